package dev.sparklamb.spark.data.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sparklamb.spark.LocalSpark;
import dev.sparklamb.spark.config.ConfigurationException;
import dev.sparklamb.spark.data.DataException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * import-text on a corpus of five small files through local Spark. The sequences are checked against a plain reading
 * of the files: for each document, the tokens between [CLS] and [SEP] of its sequences, joined back into words
 * ("##" pieces appended to the word before), must be the words of its text as a simple independent splitter sees them
 * (lower-cased, accents removed, split at whitespace, each punctuation character a word of its own), or [UNK] for a
 * word with a character the vocabulary lacks.
 */
@ExtendWith(LocalSpark.class)
class TextImporterTest {

    static SparkSession spark;

    @TempDir
    static Path root;
    static Path corpus;
    static Path out;
    static Map<String, Object> report;

    static final String[] SENTENCES = {
            "The Congress shall assemble at least once in every year.",
            "We the people of the United States, in order to form a more perfect union, establish justice.",
            "Our caf\u00E9 serves the people; the people pay the taxes!",
            "Every year the report is sent to the Congress (in writing).",
            "The States: their union, their people, and their laws."};

    @BeforeAll
    static void importCorpus() throws IOException {
        corpus = Files.createDirectories(root.resolve("corpus"));
        // 5 documents; with --seed 4 and --heldout-fraction 0.3, c-third.txt alone is held out: the first 8 bytes of
        // SHA-256("4:<name>") / 2^64 are 0.752, 0.590, 0.073, 0.566, 0.525 for a..e (computed with Python's hashlib).
        String[] names = {"a-first.txt", "b-second.txt", "c-third.txt", "d-fourth.txt", "e-fifth.txt"};
        for (int d = 0; d < names.length; d++) {
            StringBuilder text = new StringBuilder();
            for (int line = 0; line < 6 + 3 * d; line++) {
                text.append(SENTENCES[(line + d) % SENTENCES.length]);
                text.append(line % 2 == 0 ? "\n" : " ");
            }
            if (d == 2) {
                text.append("Die Stra\u00DFe is held out.\n"); // \u00DF appears in no training document: [UNK]
            }
            Files.writeString(corpus.resolve(names[d]), text);
        }
        Files.writeString(corpus.resolve("notes.md"), "not a .txt file: not read\n");
        out = root.resolve("out");
        report = TextImporter.run(spark, settings(List.of(corpus.toString()), out, null, 130, List.of(8, 16), 2));
    }

    static TextImportSettings settings(List<String> inputs, Path output, String vocab, int vocabSize, List<Integer> lengths, int partitions) {
        return new TextImportSettings(inputs, output.toString(), vocab, vocabSize, true, lengths, 512, 0.3, 4, partitions, 10);
    }

    /** The independent splitter of the class comment (enough for this ASCII-plus-accents corpus). */
    static List<String> plainWords(String text) {
        String t = Normalizer.normalize(text.toLowerCase(java.util.Locale.ROOT), Normalizer.Form.NFD).replaceAll("\\p{Mn}", "");
        List<String> words = new ArrayList<>();
        StringBuilder w = new StringBuilder();
        for (char c : t.toCharArray()) {
            if (Character.isWhitespace(c) || !Character.isLetterOrDigit(c)) {
                if (w.length() > 0) {
                    words.add(w.toString());
                    w.setLength(0);
                }
                if (!Character.isWhitespace(c)) {
                    words.add(String.valueOf(c));
                }
            } else {
                w.append(c);
            }
        }
        if (w.length() > 0) {
            words.add(w.toString());
        }
        return words;
    }

    static List<String> vocabLines() throws IOException {
        return Files.readAllLines(out.resolve("vocab.txt"), StandardCharsets.UTF_8);
    }

    /** The rows of a sequence directory in the documented order: part files by name, rows in file order. */
    static List<Row> rows(String relative) throws IOException {
        List<Row> rows = new ArrayList<>();
        try (Stream<Path> files = Files.list(out.resolve(relative))) {
            for (Path f : files.filter(p -> p.getFileName().toString().startsWith("part-")).sorted().toList()) {
                rows.addAll(spark.read().parquet(f.toString()).collectAsList());
            }
        }
        return rows;
    }

    static int[] ids(Row r) {
        List<Integer> list = r.getList(0);
        return list.stream().mapToInt(Integer::intValue).toArray();
    }

    @Test
    void vocabularyFileHasTheSpecialTokensFirstThenCharacters() throws IOException {
        List<String> vocab = vocabLines();
        assertThat(vocab).hasSize(130);
        assertThat(new HashSet<>(vocab)).hasSize(130);
        assertThat(vocab.subList(0, 5)).containsExactly("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]");
        assertThat(vocab).contains("t", "##t", "e", "##e", ",", "(", ")").doesNotContain("T", "\u00E9", "\u00DF");
    }

    @Test
    void sequencesRebuildEveryDocumentsWordsInOrder() throws IOException {
        List<String> vocab = vocabLines();
        Set<Integer> knownChars = new HashSet<>();
        vocab.stream().filter(t -> t.codePointCount(0, t.length()) == 1).forEach(t -> knownChars.add(t.codePointAt(0)));
        for (int length : List.of(8, 16)) {
            for (String split : List.of("train", "heldout")) {
                List<Path> docs = new ArrayList<>();
                try (Stream<Path> s = Files.list(corpus)) {
                    s.filter(p -> p.toString().endsWith(".txt")).sorted().forEach(docs::add);
                }
                docs.removeIf(p -> p.getFileName().toString().equals("c-third.txt") != split.equals("heldout"));
                List<Row> rows = rows("seq-" + length + "/" + split);
                int next = 0;
                long realTokens = 0;
                WordPieceEncoder encoder = new WordPieceEncoder(Vocabulary.of(vocab, "vocab.txt"), true);
                for (Path doc : docs) {
                    List<String> expected = new ArrayList<>();
                    for (String w : plainWords(Files.readString(doc))) {
                        expected.add(w.codePoints().allMatch(knownChars::contains) ? w : "[UNK]");
                    }
                    List<String> retokenised = new ArrayList<>();
                    for (String line : Files.readAllLines(doc)) {
                        retokenised.addAll(encoder.tokens(line));
                    }
                    // the document's rows: ceil(tokens / (length - 2)) of them
                    long documentRows = (retokenised.size() + length - 3) / (length - 2);
                    List<String> pieces = new ArrayList<>();
                    List<String> rebuilt = new ArrayList<>();
                    for (long k = 0; k < documentRows; k++) {
                        assertThat(next).as(split + " " + length + ": rows run out in " + doc.getFileName()).isLessThan(rows.size());
                        Row r = rows.get(next++);
                        int[] ids = ids(r);
                        int real = r.getInt(1);
                        realTokens += real;
                        assertThat(ids).hasSize(length);
                        assertThat(real).as("only a document's last sequence is short").isBetween(k + 1 < documentRows ? length : 3, length);
                        assertThat(ids[0]).isEqualTo(2);
                        assertThat(ids[real - 1]).isEqualTo(3);
                        for (int i = 1; i < real - 1; i++) {
                            assertThat(ids[i]).as("no [PAD], [CLS], [SEP] or [MASK] inside").isNotIn(0, 2, 3, 4);
                            String piece = vocab.get(ids[i]);
                            pieces.add(piece);
                            if (piece.startsWith("##")) {
                                rebuilt.set(rebuilt.size() - 1, rebuilt.get(rebuilt.size() - 1) + piece.substring(2));
                            } else {
                                rebuilt.add(piece);
                            }
                        }
                        for (int i = real; i < length; i++) {
                            assertThat(ids[i]).isZero();
                        }
                    }
                    assertThat(pieces).as(split + " " + length + ": " + doc.getFileName() + " against a plain re-tokenisation")
                            .isEqualTo(retokenised);
                    assertThat(rebuilt).as(split + " " + length + ": " + doc.getFileName() + " against its words").isEqualTo(expected);
                }
                assertThat(next).as("no rows beyond the documents").isEqualTo(rows.size());
                JsonNode o = output(length, split);
                assertThat(o.get("sequences").asLong()).isEqualTo(rows.size());
                assertThat(o.get("realTokens").asLong()).isEqualTo(realTokens);
                assertThat(o.get("documents").asInt()).isEqualTo(docs.size());
            }
        }
    }

    static JsonNode output(int length, String split) throws IOException {
        JsonNode json = new ObjectMapper().readTree(out.resolve("text-import.json").toFile());
        for (JsonNode o : json.get("outputs")) {
            if (o.get("sequenceLength").asInt() == length && o.get("split").asText().equals(split)) {
                return o;
            }
        }
        throw new AssertionError("no output " + length + "/" + split);
    }

    @Test
    void reportNamesSettingsAndCounts() throws IOException {
        JsonNode json = new ObjectMapper().readTree(out.resolve("text-import.json").toFile());
        assertThat(json.at("/vocabulary/size").asInt()).isEqualTo(130);
        assertThat(json.at("/vocabulary/specialTokens/[MASK]").asInt()).isEqualTo(4);
        assertThat(json.at("/lowerCase").asBoolean()).isTrue();
        assertThat(json.at("/sequenceLengths").toString()).isEqualTo("[8,16]");
        assertThat(json.at("/splits/train/documents").asInt()).isEqualTo(4);
        assertThat(json.at("/splits/heldout/documents").asInt()).isEqualTo(1);
        assertThat(json.at("/heldOut/fraction").asDouble()).isEqualTo(0.3);
        assertThat(json.at("/heldOut/seed").asLong()).isEqualTo(4);
        assertThat(json.at("/sources/0").asText()).isEqualTo(corpus.toString());
        assertThat(report.get("documents")).isEqualTo(5);
        try (Stream<Path> s = Files.list(root)) {
            assertThat(s.map(p -> p.getFileName().toString())).as("no temporary directory left").noneMatch(n -> n.contains(".importing-"));
        }
    }

    /** The vocabulary written, given back with --vocab, on another partitioning: the same sequences. */
    @Test
    void givenVocabularyAndOtherPartitioningGiveTheSameSequences() throws IOException {
        Path again = root.resolve("again");
        TextImporter.run(spark, settings(List.of(corpus.resolve("*.txt").toString()), again, out.resolve("vocab.txt").toString(), 0,
                List.of(16), 5));
        assertThat(Files.readAllLines(again.resolve("vocab.txt"))).isEqualTo(vocabLines());
        List<Row> first = rows("seq-16/train");
        Path keep = out;
        out = again;
        try {
            List<Row> second = rows("seq-16/train");
            assertThat(second.stream().map(r -> List.of(r.getList(0), r.getInt(1))).toList())
                    .isEqualTo(first.stream().map(r -> List.of(r.getList(0), r.getInt(1))).toList());
        } finally {
            out = keep;
        }
    }

    @Test
    void badUtf8InAHeldOutDocumentNamesFileAndLineAndWritesNothingNotEvenParents() throws IOException {
        Path dir = Files.createDirectories(root.resolve("bad-utf8"));
        Path docs = Files.createDirectories(dir.resolve("docs"));
        Files.writeString(docs.resolve("a-first.txt"), "the people\nthe people\n");
        byte[] bad = "line one\nline two \u00E9\n".getBytes(StandardCharsets.UTF_8);
        bad[bad.length - 2] = (byte) 0xC3; // a lone lead byte before the newline: not UTF-8
        bad[bad.length - 3] = (byte) 0xC3;
        Files.write(docs.resolve("c-third.txt"), bad);
        assertThatThrownBy(() -> TextImporter.run(spark, settings(List.of(docs.toString()), dir.resolve("new/parents/out"), null, 40, List.of(8), 2)))
                .isInstanceOf(DataException.class).hasMessageContaining("c-third.txt").hasMessageContaining("line 2")
                .hasMessageContaining("UTF-8");
        try (Stream<Path> s = Files.list(dir)) {
            assertThat(s.map(p -> p.getFileName().toString()).toList()).containsExactly("docs");
        }
    }

    @Test
    void existingOutputIsRefusedBeforeAnyWork() throws IOException {
        Path existing = Files.createDirectories(root.resolve("existing"));
        assertThatThrownBy(() -> TextImporter.run(spark, settings(List.of(corpus.toString()), existing, null, 130, List.of(8), 2)))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("--output").hasMessageContaining("already exists");
    }

    @Test
    void optionsAreCheckedWithTheirNames() {
        assertThatThrownBy(() -> settings(List.of("x"), root.resolve("o"), null, 100, List.of(2), 0))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("--sequence-length").hasMessageContaining("2");
        assertThatThrownBy(() -> settings(List.of("x"), root.resolve("o"), null, 100, List.of(64, 1024), 0))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("--sequence-length").hasMessageContaining("--max-sequence-length");
        assertThatThrownBy(() -> settings(List.of("x"), root.resolve("o"), null, 5, List.of(64), 0))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("--vocab-size");
        assertThatThrownBy(() -> new TextImportSettings(List.of("x"), "o", null, 100, true, List.of(64), 512, 1.0, 1, 0, 10))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("--heldout-fraction");
    }
}
