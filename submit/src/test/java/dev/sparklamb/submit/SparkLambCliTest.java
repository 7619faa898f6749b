package dev.sparklamb.submit;

import org.apache.spark.sql.Row;
import java.util.List;
import java.io.IOException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.JsonNode;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line as a user runs it: exit codes and messages for success and each kind of bad input. */
class SparkLambCliTest {

    static final Path RAW = Paths.get(System.getProperty("sparklamb.mnist.dir", "data/mnist/raw"));

    @TempDir
    Path tmp;

    @AfterAll
    static void stop() {
        SparkSession.getActiveSession().foreach(s -> {
            s.stop();
            return null;
        });
    }

    record Outcome(int code, String out, String err) {
    }

    static Outcome run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            int code = SparkLambCli.run(args);
            return new Outcome(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    @Test
    void helpForEveryCommand() {
        for (String command : new String[] {"train", "evaluate", "predict", "import-mnist", "import-text"}) {
            Outcome o = run(command, "--help");
            assertThat(o.code()).isZero();
            assertThat(o.out()).contains("Usage: spark-lamb " + command);
        }
        assertThat(run("--help").out()).contains("Exit codes");
    }

    @Test
    void unknownOptionIsAConfigurationError() {
        Outcome o = run("train", "--no-such-option");
        assertThat(o.code()).isEqualTo(ExitCode.BAD_CONFIGURATION.code);
        assertThat(o.err()).contains("--no-such-option");
    }

    @Test
    void badConfigurationExitsWith2AndNamesTheKey() throws Exception {
        Path conf = tmp.resolve("bad.conf");
        Files.writeString(conf, "spark-lamb { training { global-batch = -5 } }");
        Outcome o = run("train", "-c", conf.toString(), "--output", tmp.resolve("out").toString());
        assertThat(o.code()).isEqualTo(ExitCode.BAD_CONFIGURATION.code);
        assertThat(o.err()).contains("spark-lamb.training.global-batch");
        assertThat(tmp.resolve("out")).doesNotExist();

        Outcome unknown = run("train", "--set", "spark-lamb.trainign.epochs=3", "--output", tmp.resolve("out").toString());
        assertThat(unknown.code()).isEqualTo(ExitCode.BAD_CONFIGURATION.code);
        assertThat(unknown.err()).contains("spark-lamb.trainign.epochs");

        Outcome missingFile = run("train", "-c", tmp.resolve("nope.conf").toString());
        assertThat(missingFile.code()).isEqualTo(ExitCode.BAD_CONFIGURATION.code);
        assertThat(missingFile.err()).contains("nope.conf");
    }

    @Test
    void missingDataExitsWith3AndLeavesNoOutput() {
        Outcome o = run("train", "--set", "spark-lamb.data.train=\"" + tmp.resolve("missing.parquet").toUri() + "\"",
                "--set", "spark-lamb.spark.master=\"local[2]\"", "--output", tmp.resolve("out").toString());
        assertThat(o.code()).isEqualTo(ExitCode.BAD_DATA.code);
        assertThat(o.err()).contains("missing.parquet").contains("does not exist");
        assertThat(tmp.resolve("out")).doesNotExist();
    }

    @Test
    void importTrainAndEvaluateRealMnist() {
        String train = tmp.resolve("train.parquet").toString();
        String test = tmp.resolve("test.parquet").toString();
        assertThat(run("import-mnist", "--images", RAW.resolve("train-images-idx3-ubyte").toString(),
                "--labels", RAW.resolve("train-labels-idx1-ubyte").toString(), "--output", train, "--limit", "4096",
                "--master", "local[2]").code()).isZero();
        assertThat(run("import-mnist", "--images", RAW.resolve("t10k-images-idx3-ubyte").toString(),
                "--labels", RAW.resolve("t10k-labels-idx1-ubyte").toString(), "--output", test, "--limit", "1000").code()).isZero();

        Path out = tmp.resolve("run");
        Outcome trained = run("train", "--output", out.toString(),
                "--set", "spark-lamb.spark.master=\"local[2]\"",
                "--set", "spark-lamb.data.train=\"" + train + "\"", "--set", "spark-lamb.data.test=\"" + test + "\"",
                "--set", "spark-lamb.data.partitions=2", "--set", "spark-lamb.training.global-batch=1024",
                "--set", "spark-lamb.training.epochs=2", "--set", "spark-lamb.optimizer.learning-rate.base=0.005");
        assertThat(trained.code()).as(trained.err()).isZero();
        assertThat(trained.out()).contains("final test accuracy");
        assertThat(out.resolve("model.zip")).exists();
        assertThat(out.resolve("metrics.jsonl")).exists();
        assertThat(out.resolve("summary.json")).exists();

        Outcome evaluated = run("evaluate", "--model", out.resolve("model.zip").toString(), "--data", test);
        assertThat(evaluated.code()).as(evaluated.err()).isZero();
        assertThat(evaluated.out()).contains("accuracy:").contains("examples: 1000");

        Outcome again = run("train", "--output", out.toString(), "--set", "spark-lamb.data.train=\"" + train + "\"");
        assertThat(again.code()).isEqualTo(ExitCode.BAD_CONFIGURATION.code);
        assertThat(again.err()).contains("not empty");
    }

    /**
     * A device error raised inside a Spark task ({@code spark-lamb.device.type = gpu} in local mode, where Spark assigns
     * no GPUs) reaches the command line as a configuration error: exit code 2, the message naming the key and the fix.
     */
    @Test
    void gpuRequestedWhereSparkAssignsNoneExitsWith2NamingTheSetting() {
        String train = tmp.resolve("train.parquet").toString();
        assertThat(run("import-mnist", "--images", RAW.resolve("train-images-idx3-ubyte").toString(),
                "--labels", RAW.resolve("train-labels-idx1-ubyte").toString(), "--output", train, "--limit", "512",
                "--master", "local[2]").code()).isZero();
        Outcome o = run("train", "--output", tmp.resolve("run").toString(),
                "--set", "spark-lamb.spark.master=\"local[2]\"", "--set", "spark-lamb.data.train=\"" + train + "\"",
                "--set", "spark-lamb.data.partitions=2", "--set", "spark-lamb.training.global-batch=256",
                "--set", "spark-lamb.training.micro-batch=128", "--set", "spark-lamb.training.max-steps=1",
                "--set", "spark-lamb.device.type=gpu");
        assertThat(o.code()).as(o.err()).isEqualTo(ExitCode.BAD_CONFIGURATION.code);
        assertThat(o.err()).contains("spark-lamb.device.type = gpu").contains("no GPU").contains("local mode");
    }

    @Test
    void importsATinyCorpusCased() throws IOException {
        Path docs = CliHarness.textCorpus(tmp);
        Path out = tmp.resolve("text");
        Outcome o = run("import-text", "--input", docs.toString(), "--output", out.toString(), "--vocab-size", "55",
                "--no-lower-case", "--sequence-length", "8,16", "--heldout-fraction", "0.645", "--seed", "1", "--master", "local[2]");
        assertThat(o.code()).as(o.err()).isZero();
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
        Outcome o = run("import-text", "--help");
        assertThat(o.code()).isZero();
        assertThat(o.out()).contains("Usage: spark-lamb import-text").contains("--vocab-size").contains("seq-L/heldout")
                .contains("--sequence-length");
    }
}
