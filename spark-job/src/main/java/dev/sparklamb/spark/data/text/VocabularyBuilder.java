package dev.sparklamb.spark.data.text;

import dev.sparklamb.spark.config.ConfigurationException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import scala.Tuple2;

/**
 * Builds a WordPiece vocabulary of a requested size from word counts, on Spark. Deterministic: the same counts give the
 * same vocabulary, token for token, whatever the partitioning.
 *
 * <p>The algorithm (documented in docs/bert.md):
 * <ol>
 *   <li>The words are the basic tokens of the training documents: BERT's normalisation (lower-cased and accents stripped
 *       when uncased) and split on whitespace and punctuation, as DL4J's tokenizer does before WordPiece; each distinct
 *       word with its number of occurrences.</li>
 *   <li>The vocabulary starts with the special tokens {@code [PAD] [UNK] [CLS] [SEP] [MASK]} (ids 0..4), then every
 *       character of the words as a word start ({@code c}) and, after them, as a continuation ({@code ##c}), each in
 *       code point order. Every training word can then be tokenised without {@code [UNK]}.</li>
 *   <li>Then rounds, until the requested size: every word is tokenised with the current vocabulary by DL4J's
 *       WordPiece tokenizer (greedy longest match first); every two adjacent pieces {@code a b} of a word propose the
 *       piece {@code a} + {@code b} without its {@code ##} (a continuation piece when {@code a} is one), weighted by the
 *       word's count; proposals are summed over all words; those already in the vocabulary or proposed fewer than
 *       {@value #MIN_COUNT} times are dropped; the rest are ordered by count (descending), then by the piece (ascending
 *       string order), and the first {@code ceil((size - start) / }{@value #ROUNDS}{@code )} (at most what is still
 *       missing) are appended, in that order.</li>
 *   <li>When a round has no proposal left (every word is one piece, or all pairs are rare) the vocabulary stays smaller
 *       than requested; its actual size is reported.</li>
 * </ol>
 */
public final class VocabularyBuilder {

    /**
     * A round adds up to 1/ROUNDS of the pieces to learn, so the vocabulary is complete after this many rounds, or more
     * when a round has fewer proposals than that, or fewer when proposals run out.
     */
    public static final int ROUNDS = 20;
    /** A piece proposed fewer times than this (summed over the corpus) is never added. */
    public static final long MIN_COUNT = 2;

    private VocabularyBuilder() {
    }

    /** The start of every built vocabulary: the special tokens, the characters, the continuation characters. */
    static List<String> start(Set<Integer> codePoints) {
        List<String> tokens = new ArrayList<>(Vocabulary.SPECIAL);
        TreeSet<Integer> sorted = new TreeSet<>(codePoints);
        for (int cp : sorted) {
            tokens.add(new String(Character.toChars(cp)));
        }
        for (int cp : sorted) {
            tokens.add("##" + new String(Character.toChars(cp)));
        }
        return tokens;
    }

    /**
     * @param words     every distinct word of the training documents with its count (see the class comment)
     * @param size      the requested vocabulary size
     * @param lowerCase the tokenizer's setting (the words were normalised with it)
     * @param log       one line per round
     * @throws ConfigurationException naming {@code --vocab-size} when it is smaller than the start (specials and characters)
     */
    public static Vocabulary build(JavaPairRDD<String, Long> words, int size, boolean lowerCase, Consumer<String> log) {
        return build(words, size, lowerCase, ROUNDS, log);
    }

    /** {@link #build(JavaPairRDD, int, boolean, Consumer)} in {@code rounds} rounds instead of {@value #ROUNDS} (for tests). */
    static Vocabulary build(JavaPairRDD<String, Long> words, int size, boolean lowerCase, int rounds, Consumer<String> log) {
        Set<Integer> codePoints = new HashSet<>(words.keys().flatMap(w -> w.codePoints().boxed().iterator()).distinct().collect());
        List<String> tokens = start(codePoints);
        if (tokens.size() > size) {
            throw new ConfigurationException("--vocab-size: " + size + " is too small for this corpus: its " + codePoints.size()
                    + " distinct characters (each as a word start and as a ## continuation) and the " + Vocabulary.SPECIAL.size()
                    + " special tokens need " + tokens.size() + "; use --vocab-size " + tokens.size() + " or more");
        }
        int batch = (int) Math.max(1, Math.ceil((size - tokens.size()) / (double) rounds));
        log.accept(String.format("vocabulary: %d words (%d distinct characters): start %d tokens, target %d, up to %d new pieces per round",
                words.count(), codePoints.size(), tokens.size(), size, batch));
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(words.context());
        int round = 0;
        while (tokens.size() < size) {
            round++;
            Broadcast<Vocabulary> current = jsc.broadcast(Vocabulary.of(tokens, "built"));
            List<Tuple2<String, Long>> best;
            try {
                best = words.mapPartitionsToPair(it -> proposals(it, current.value(), lowerCase))
                        .reduceByKey(Long::sum)
                        .filter(t -> t._2() >= MIN_COUNT)
                        .takeOrdered(Math.min(batch, size - tokens.size()), new ByCountThenPiece());
            } finally {
                current.destroy();
            }
            if (best.isEmpty()) {
                log.accept("vocabulary: no piece is proposed " + MIN_COUNT + " times or more; stopping at " + tokens.size() + " tokens (requested "
                        + size + ")");
                break;
            }
            best.forEach(t -> tokens.add(t._1()));
            Tuple2<String, Long> last = best.get(best.size() - 1);
            log.accept(String.format("vocabulary: round %d: +%d pieces (counts %d..%d, first '%s', last '%s'), %d/%d tokens",
                    round, best.size(), best.get(0)._2(), last._2(), best.get(0)._1(), last._1(), tokens.size(), size));
        }
        return Vocabulary.of(tokens, "built");
    }

    /** One partition's proposals: merged adjacent pieces, not yet in the vocabulary, summed within the partition. */
    private static java.util.Iterator<Tuple2<String, Long>> proposals(java.util.Iterator<Tuple2<String, Long>> words, Vocabulary vocabulary,
                                                                      boolean lowerCase) {
        WordPieceEncoder encoder = new WordPieceEncoder(vocabulary, lowerCase);
        Map<String, Long> sums = new HashMap<>();
        while (words.hasNext()) {
            Tuple2<String, Long> w = words.next();
            List<String> pieces = encoder.tokens(w._1());
            for (int i = 0; i + 1 < pieces.size(); i++) {
                String next = pieces.get(i + 1);
                if (!next.startsWith("##")) {
                    continue; // never: WordPiece continues a word only with ## pieces
                }
                String merged = pieces.get(i) + next.substring(2);
                if (vocabulary.id(merged) < 0) {
                    sums.merge(merged, w._2(), Long::sum);
                }
            }
        }
        List<Tuple2<String, Long>> out = new ArrayList<>(sums.size());
        sums.forEach((k, v) -> out.add(new Tuple2<>(k, v)));
        return out.iterator();
    }

    /** Count descending, then piece ascending (String order): a total order, so the choice never depends on partitioning. */
    static final class ByCountThenPiece implements Comparator<Tuple2<String, Long>>, Serializable {

        private static final long serialVersionUID = 1L;

        @Override
        public int compare(Tuple2<String, Long> a, Tuple2<String, Long> b) {
            int c = Long.compare(b._2(), a._2());
            return c != 0 ? c : a._1().compareTo(b._1());
        }
    }
}
