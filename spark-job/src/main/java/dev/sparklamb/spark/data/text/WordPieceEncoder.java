package dev.sparklamb.spark.data.text;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.deeplearning4j.text.tokenization.tokenizer.BertWordPieceTokenizer;
import org.deeplearning4j.text.tokenization.tokenizer.preprocessor.BertWordPiecePreProcessor;
import org.deeplearning4j.text.tokenization.tokenizerfactory.BertWordPieceTokenizerFactory;

/**
 * BERT tokenisation through DL4J's own {@link BertWordPieceTokenizerFactory}: its pre-processor (control characters
 * removed, whitespace normalised, CJK characters split off; with {@code lowerCase} also lower-cased and accents
 * stripped, as uncased BERT does), its split on whitespace and punctuation, and its greedy longest-match-first WordPiece
 * search. Not thread-safe to share across tasks; create one per partition.
 *
 * <p>One difference from DL4J's defaults makes the result BERT's: DL4J's factory built with {@code (vocab, lowerCase,
 * stripAccents)} silently drops every character that appears in no vocabulary entry, so "unwantedX" tokenises as if
 * the X were not there. Here the factory gets the same pre-processor without that character filter; a word that
 * WordPiece then cannot cover (DL4J throws) becomes one {@code [UNK]}, as in BERT's {@code WordpieceTokenizer}.
 */
public final class WordPieceEncoder {

    private final Vocabulary vocabulary;
    private final BertWordPiecePreProcessor preProcessor;
    private final BertWordPieceTokenizerFactory factory;

    public WordPieceEncoder(Vocabulary vocabulary, boolean lowerCase) {
        this.vocabulary = vocabulary;
        this.preProcessor = preProcessor(lowerCase);
        this.factory = new BertWordPieceTokenizerFactory(vocabulary.wordPieceMap(), preProcessor);
    }

    /** BERT's text normalisation (uncased: lower-case and strip accents; cased: neither), with no vocabulary filter. */
    static BertWordPiecePreProcessor preProcessor(boolean lowerCase) {
        return new BertWordPiecePreProcessor(lowerCase, lowerCase, null);
    }

    /**
     * The words WordPiece sees in {@code text}: normalised by {@code preProcessor}, split on whitespace and punctuation
     * exactly as DL4J's {@link BertWordPieceTokenizer} splits, empty strings dropped.
     */
    static List<String> basicWords(BertWordPiecePreProcessor preProcessor, String text) {
        String[] parts = BertWordPieceTokenizer.splitPattern.split(preProcessor.preProcess(text));
        List<String> words = new ArrayList<>(parts.length);
        for (String p : parts) {
            if (!p.isEmpty()) {
                words.add(p);
            }
        }
        return words;
    }

    /** The WordPiece tokens of {@code text}. */
    public List<String> tokens(String text) {
        try {
            return factory.create(text).getTokens();
        } catch (IllegalStateException uncoverable) {
            // Some word holds a character or ending no vocabulary piece covers: tokenise word by word, that word -> [UNK].
            List<String> out = new ArrayList<>();
            for (String word : basicWords(preProcessor, text)) {
                try {
                    out.addAll(factory.create(word).getTokens());
                } catch (IllegalStateException e) {
                    out.add(Vocabulary.UNK);
                }
            }
            return out;
        }
    }

    /** The ids of {@link #tokens}. */
    public int[] ids(String text) {
        List<String> tokens = tokens(text);
        int[] ids = new int[tokens.size()];
        for (int i = 0; i < ids.length; i++) {
            int id = vocabulary.id(tokens.get(i));
            if (id < 0) {
                throw new IllegalStateException("DL4J's WordPiece tokenizer returned '" + tokens.get(i) + "', which is not in the vocabulary; "
                        + "tokens: " + Arrays.toString(tokens.subList(Math.max(0, i - 5), Math.min(tokens.size(), i + 5)).toArray()));
            }
            ids[i] = id;
        }
        return ids;
    }
}
