package dev.sparklamb.spark.data.text;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class SequencePackerTest {

    static final int CLS = 2;
    static final int SEP = 3;
    static final int PAD = 0;

    @Test
    void clsFirstSepAfterTheTokensPadToTheEnd() {
        // 7 tokens at length 5 (3 per sequence): [CLS] 10 11 12 [SEP] | [CLS] 13 14 15 [SEP] | [CLS] 16 [SEP] PAD PAD
        int[] stream = {10, 11, 12, 13, 14, 15, 16};
        List<SequencePacker.Sequence> s = new SequencePacker(5, CLS, SEP, PAD).pack(stream, stream.length);
        assertThat(s).hasSize(3);
        assertThat(s.get(0).ids()).containsExactly(CLS, 10, 11, 12, SEP);
        assertThat(s.get(1).ids()).containsExactly(CLS, 13, 14, 15, SEP);
        assertThat(s.get(2).ids()).containsExactly(CLS, 16, SEP, PAD, PAD);
        assertThat(s).extracting(SequencePacker.Sequence::realTokens).containsExactly(5, 5, 3);
    }

    @Test
    void minimumLengthOneTokenPerSequence() {
        List<SequencePacker.Sequence> s = new SequencePacker(3, CLS, SEP, PAD).pack(new int[] {7, 8}, 2);
        assertThat(s).extracting(q -> List.of(q.ids()[0], q.ids()[1], q.ids()[2])).containsExactly(List.of(CLS, 7, SEP), List.of(CLS, 8, SEP));
    }

    @Test
    void exactMultipleHasNoEmptyTailAndCountsMatch() {
        for (int length : new int[] {3, 4, 9, 64}) {
            for (int n : new int[] {1, 2, 7, 62, 63, 124, 125, 1000}) {
                int[] stream = IntStream.range(100, 100 + n).toArray();
                List<SequencePacker.Sequence> s = new SequencePacker(length, CLS, SEP, PAD).pack(stream, n);
                int body = length - 2;
                assertThat((long) s.size()).isEqualTo(SequencePacker.sequenceCount(n, length)).isEqualTo((n + body - 1) / body);
                int next = 100;
                for (SequencePacker.Sequence q : s) {
                    assertThat(q.ids()).hasSize(length);
                    assertThat(q.ids()[0]).isEqualTo(CLS);
                    assertThat(q.ids()[q.realTokens() - 1]).isEqualTo(SEP);
                    assertThat(q.realTokens()).isBetween(3, length);
                    for (int i = 1; i < q.realTokens() - 1; i++) {
                        assertThat(q.ids()[i]).isEqualTo(next++);
                    }
                    for (int i = q.realTokens(); i < length; i++) {
                        assertThat(q.ids()[i]).isEqualTo(PAD);
                    }
                }
                assertThat(next).isEqualTo(100 + n);
            }
        }
    }
}
