package dev.sparklamb.submit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code import-text} through the command line on a corpus of three files (bad input: {@link HostileInputTest}). */
class ImportTextCommandTest {

    @TempDir
    Path tmp;

    @AfterAll
    static void stop() {
        SparkSession.getActiveSession().foreach(s -> {
            s.stop();
            return null;
        });
    }

    /**
     * Three documents; with --seed 1 and --heldout-fraction 0.645, a.txt alone is held out: the first 8 bytes of SHA-256("1:a.txt")
     * etc. as fractions of 2^64 are 0.641, 0.959, 0.649 for a, b, c (computed with Python's hashlib).
     */
    static Path corpus(Path dir) throws IOException {
        Path docs = Files.createDirectories(dir.resolve("docs"));
        Files.writeString(docs.resolve("a.txt"), "The people of the United States.\nThe people pay the taxes.\n");
        Files.writeString(docs.resolve("b.txt"), "The Congress shall assemble once in every year.\n");
        Files.writeString(docs.resolve("c.txt"), "Every year the people send the report to the Congress.\n");
        return docs;
    }

    @Test
    void importsATinyCorpusCased() throws IOException {
        Path docs = corpus(tmp);
        Path out = tmp.resolve("text");
        CliHarness.Outcome o = CliHarness.run("import-text", "--input", docs.toString(), "--output", out.toString(), "--vocab-size", "55",
                "--no-lower-case", "--sequence-length", "8,16", "--heldout-fraction", "0.645", "--seed", "1", "--master", "local[2]");
        assertThat(o.code()).as(o.describe()).isZero();
        assertThat(o.out()).contains("vocabulary: 55 tokens").contains("seq-8/train: 2 documents").contains("seq-16/heldout: 1 documents")
                .contains("output: " + out);
        JsonNode json = new ObjectMapper().readTree(out.resolve("text-import.json").toFile());
        assertThat(json.at("/lowerCase").asBoolean()).isFalse();
        assertThat(json.at("/splits/heldout/documents").asInt()).isEqualTo(1);
        List<String> vocab = Files.readAllLines(out.resolve("vocab.txt"));
        assertThat(vocab).hasSize(55).contains("T", "C", "E", "##s").doesNotContain("U");
        Row first = SparkSession.active().read().parquet(out.resolve("seq-8/heldout").toString()).collectAsList().get(0);
        // a.txt begins "The people": [CLS] then the cased pieces of "The"
        List<Integer> ids = first.getList(0);
        assertThat(ids).hasSize(8);
        assertThat(ids.get(0)).isEqualTo(2);
        assertThat(vocab.get(ids.get(1))).startsWith("T");
        assertThat(first.getInt(1)).isEqualTo(8);
    }

    @Test
    void helpNamesTheOutputLayout() {
        CliHarness.Outcome o = CliHarness.run("import-text", "--help");
        assertThat(o.code()).isZero();
        assertThat(o.out()).contains("Usage: spark-lamb import-text").contains("--vocab-size").contains("seq-L/heldout")
                .contains("--sequence-length");
    }
}
