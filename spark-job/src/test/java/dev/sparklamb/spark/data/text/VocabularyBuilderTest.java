package dev.sparklamb.spark.data.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sparklamb.spark.LocalSpark;
import dev.sparklamb.spark.config.ConfigurationException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import scala.Tuple2;

@ExtendWith(LocalSpark.class)
class VocabularyBuilderTest {

    static SparkSession spark;

    static JavaPairRDD<String, Long> words(List<Tuple2<String, Long>> counts, int partitions) {
        return JavaSparkContext.fromSparkContext(spark.sparkContext()).parallelizePairs(counts, partitions);
    }

    static List<Tuple2<String, Long>> lowNewestWidest() {
        return List.of(new Tuple2<>("low", 5L), new Tuple2<>("lower", 2L), new Tuple2<>("newest", 6L), new Tuple2<>("widest", 3L));
    }

    /**
     * Worked by hand (the class comment's rules, one piece per round as the target is only 5 above the start):
     * round 1 proposals: ##es 9, ##st 9, ##we 8, lo 7, ##ow 7, ne 6, ##ew 6, ... -> "##es" (ties by string order);
     * round 2 (newest = n ##e ##w ##es ##t, widest = w ##i ##d ##es ##t): ##est 9 -> "##est";
     * round 3: ##ow 7 and lo 7 -> "##ow" ('#' sorts before 'l'); round 4: low 7 (5 + 2) -> "low";
     * round 5 (low = low; lower = low ##e ##r): ##ew 6, ##west 6, ne 6 -> "##ew".
     */
    @Test
    void handWorkedExample() {
        Vocabulary v = VocabularyBuilder.build(words(lowNewestWidest(), 2), 30, true, line -> { });
        List<String> expected = new ArrayList<>(List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]",
                "d", "e", "i", "l", "n", "o", "r", "s", "t", "w",
                "##d", "##e", "##i", "##l", "##n", "##o", "##r", "##s", "##t", "##w",
                "##es", "##est", "##ow", "low", "##ew"));
        assertThat(v.tokens()).containsExactlyElementsOf(expected);
        // and the result tokenises as WordPiece does: newest = n ##ew ##est
        assertThat(new WordPieceEncoder(v, true).tokens("Newest lower")).containsExactly("n", "##ew", "##est", "low", "##e", "##r");
    }

    @Test
    void sameVocabularyWhateverThePartitioningAndTheRequestedSize() {
        Random r = new Random(11);
        String letters = "etaoinshrdlucmfwypvbgkqjxz";
        List<Tuple2<String, Long>> counts = new ArrayList<>();
        HashSet<String> seen = new HashSet<>();
        while (counts.size() < 3000) {
            StringBuilder w = new StringBuilder();
            int len = 2 + r.nextInt(9);
            for (int i = 0; i < len; i++) {
                w.append(letters.charAt(Math.min(letters.length() - 1, (int) (Math.abs(r.nextGaussian()) * 7))));
            }
            if (seen.add(w.toString())) {
                counts.add(new Tuple2<>(w.toString(), 1L + r.nextInt(50)));
            }
        }
        // 4 rounds instead of 20 keep the test short; the rounds' rules are the same
        Vocabulary one = VocabularyBuilder.build(words(counts, 1), 400, true, 4, line -> { });
        Vocabulary five = VocabularyBuilder.build(words(counts, 5), 400, true, 4, line -> { });
        assertThat(one.size()).isEqualTo(400);
        assertThat(new HashSet<>(one.tokens())).hasSize(400);
        assertThat(five.tokens()).containsExactlyElementsOf(one.tokens());
        assertThat(one.tokens().subList(0, 5)).containsExactly("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]");
    }

    @Test
    void tooSmallForTheCharactersNamesTheOption() {
        // 10 characters: 5 specials + 10 + 10 = 25 tokens at least
        assertThatThrownBy(() -> VocabularyBuilder.build(words(lowNewestWidest(), 1), 24, true, line -> { }))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("--vocab-size").hasMessageContaining("25");
    }

    @Test
    void stopsWhenNothingIsProposedTwice() {
        // "ab" once: the only proposal "ab" has count 1 < 2
        Vocabulary v = VocabularyBuilder.build(words(List.of(new Tuple2<>("ab", 1L)), 1), 100, true, line -> { });
        assertThat(v.tokens()).containsExactly("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "a", "b", "##a", "##b");
    }
}
