package dev.sparklamb.spark.data.text;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Tokenisation through DL4J's {@code BertWordPieceTokenizerFactory} against BERT's published examples. The expected
 * tokens are written from the publications, not from running the code: the BERT paper (Devlin et al. 2019, figure 2:
 * "he likes play ##ing"), google-research/bert's README ("Tokenization": "John Johanson's," -> "john johan ##son ' s ,")
 * and its tokenization.py / tokenization_test.py ("unaffable" -> "un ##aff ##able"; the "unwanted running" cases; the
 * basic tokenizer's lower-casing, accent stripping, whitespace and punctuation splitting and CJK characters), each with
 * a vocabulary that holds the pieces those examples use (the special tokens are added, BERT's tests have some of them).
 */
class WordPieceEncoderTest {

    static WordPieceEncoder encoder(boolean lowerCase, String... pieces) {
        List<String> tokens = new ArrayList<>(Vocabulary.SPECIAL);
        tokens.addAll(List.of(pieces));
        return new WordPieceEncoder(Vocabulary.of(tokens, "test"), lowerCase);
    }

    @Test
    void unaffableFromTheWordPieceDocstring() {
        assertThat(encoder(true, "un", "##aff", "##able").tokens("unaffable")).containsExactly("un", "##aff", "##able");
    }

    @Test
    void readmeExampleJohnJohansons() {
        WordPieceEncoder e = encoder(true, "john", "johan", "##son", "'", "s", ",");
        assertThat(e.tokens("John Johanson's,")).containsExactly("john", "johan", "##son", "'", "s", ",");
    }

    @Test
    void paperFigureTwoPlaying() {
        WordPieceEncoder e = encoder(true, "my", "dog", "is", "cute", "he", "likes", "play", "##ing");
        assertThat(e.tokens("my dog is cute")).containsExactly("my", "dog", "is", "cute");
        assertThat(e.tokens("he likes playing")).containsExactly("he", "likes", "play", "##ing");
    }

    /** tokenization_test.py, test_full_tokenizer: lower-casing, accent stripping (\u00E9 -> e) and punctuation splitting. */
    @Test
    void fullTokenizerUnwantedRunning() {
        WordPieceEncoder e = encoder(true, "want", "##want", "##ed", "wa", "un", "runn", "##ing", ",");
        assertThat(e.tokens("UNwant\u00E9d,running")).containsExactly("un", "##want", "##ed", ",", "runn", "##ing");
    }

    /** tokenization_test.py, test_wordpiece_tokenizer: a word WordPiece cannot cover is one [UNK]; empty text, no tokens. */
    @Test
    void wordPieceUnknownWordIsOneUnk() {
        WordPieceEncoder e = encoder(true, "want", "##want", "##ed", "wa", "un", "runn", "##ing");
        assertThat(e.tokens("")).isEmpty();
        assertThat(e.tokens("unwanted running")).containsExactly("un", "##want", "##ed", "runn", "##ing");
        assertThat(e.tokens("unwantedX running")).containsExactly(Vocabulary.UNK, "runn", "##ing");
    }

    /** tokenization_test.py, test_basic_tokenizer_lower and _no_lower. */
    @Test
    void basicTokenizerLowerAndCased() {
        WordPieceEncoder lower = encoder(true, "hello", "!", "how", "are", "you", "?");
        assertThat(lower.tokens(" \tHeLLo!how  \n Are yoU?  ")).containsExactly("hello", "!", "how", "are", "you", "?");
        assertThat(lower.tokens("H\u00E9llo")).containsExactly("hello");
        WordPieceEncoder cased = encoder(false, "HeLLo", "!", "how", "Are", "yoU", "?");
        assertThat(cased.tokens(" \tHeLLo!how  \n Are yoU?  ")).containsExactly("HeLLo", "!", "how", "Are", "yoU", "?");
    }

    /** tokenization_test.py, test_chinese: every CJK character is a word of its own. */
    @Test
    void chineseCharactersAreWords() {
        WordPieceEncoder e = encoder(true, "ah", "\u535A", "\u63A8", "zz");
        assertThat(e.tokens("ah\u535A\u63A8zz")).containsExactly("ah", "\u535A", "\u63A8", "zz");
    }

    @Test
    void idsAreLineNumbers() {
        // specials 0..4, then un=5, ##aff=6, ##able=7
        assertThat(encoder(true, "un", "##aff", "##able").ids("Unaffable unaffable")).containsExactly(5, 6, 7, 5, 6, 7);
    }

    /** A character of the text that is in no vocabulary entry makes its word [UNK] (DL4J's default would drop it). */
    @Test
    void unknownCharacterMakesItsWordUnknownNotDropped() {
        WordPieceEncoder e = encoder(true, "a", "b", "##b", "c");
        assertThat(e.tokens("ab \u00FE c")).containsExactly("a", "##b", Vocabulary.UNK, "c");
        assertThat(e.tokens("a\u00FEb c")).containsExactly(Vocabulary.UNK, "c");
    }
}
