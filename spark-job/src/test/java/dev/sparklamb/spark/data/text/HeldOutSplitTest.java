package dev.sparklamb.spark.data.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class HeldOutSplitTest {

    /** Expected values from Python: int.from_bytes(hashlib.sha256(b"1:a.txt").digest()[:8], "big") / 2**64. */
    @Test
    void positionIsTheFirstEightBytesOfSha256() {
        assertThat(HeldOutSplit.position("a.txt", 1)).isCloseTo(0.6409023467572815, within(1e-15));
        assertThat(HeldOutSplit.position("1790_george_washington_n.txt", 1)).isCloseTo(0.5613596565670063, within(1e-15));
        assertThat(HeldOutSplit.isHeldOut("a.txt", 1, 0.65)).isTrue();
        assertThat(HeldOutSplit.isHeldOut("a.txt", 1, 0.64)).isFalse();
    }

    @Test
    void deterministicPerNameAndCloseToTheFraction() {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            names.add("doc-" + i + ".txt");
        }
        long held = names.stream().filter(n -> HeldOutSplit.isHeldOut(n, 7, 0.1)).count();
        // binomial(20000, 0.1): standard deviation 42; 5 sigma either side
        assertThat(held).isBetween(1790L, 2210L);
        // the same answer again, and one that only grows with the fraction
        for (String n : names.subList(0, 2000)) {
            boolean at10 = HeldOutSplit.isHeldOut(n, 7, 0.1);
            assertThat(HeldOutSplit.isHeldOut(n, 7, 0.1)).isEqualTo(at10);
            if (at10) {
                assertThat(HeldOutSplit.isHeldOut(n, 7, 0.2)).isTrue();
            }
            assertThat(HeldOutSplit.isHeldOut(n, 7, 0.0)).isFalse();
        }
        // another seed chooses other documents
        long both = names.stream().filter(n -> HeldOutSplit.isHeldOut(n, 7, 0.1) && HeldOutSplit.isHeldOut(n, 8, 0.1)).count();
        assertThat(both).isLessThan(held / 2);
    }
}
