package dev.sparklamb.submit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.layers.EmbeddingSequenceLayer;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * {@code spark-lamb train} and {@code evaluate} on token data in import-text's layout ({@code DIR/seq-8/train},
 * {@code DIR/seq-8/heldout}, {@code DIR/text-import.json}), through the CLI: exit codes, metrics and summary.
 */
class MaskedLmCliTest {

    static final int V = 30;
    static final int L = 8;
    static final String MASTER = "spark-lamb.spark.master=\"local[2]\"";

    @TempDir
    static Path dir;

    static String network;

    @BeforeAll
    static void writeImport() throws Exception {
        SparkSession spark = SparkSession.builder().master("local[2]").appName("masked-lm-cli-test")
                .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.ui.enabled", "false").getOrCreate();
        StructType schema = new StructType()
                .add("input_ids", DataTypes.createArrayType(DataTypes.IntegerType, false), false)
                .add("length", DataTypes.IntegerType, false);
        write(spark, schema, rows(200, 1, -1), dir.resolve("import/seq-8/train"));
        write(spark, schema, rows(40, 2, -1), dir.resolve("import/seq-8/heldout"));
        write(spark, schema, rows(60, 3, 33), dir.resolve("bad/seq-8/train"));
        Files.writeString(dir.resolve("import/text-import.json"), "{\"vocabulary\": {\"file\": \"vocab.txt\", \"size\": " + V
                + ", \"specialTokens\": {\"[PAD]\": 0, \"[UNK]\": 1, \"[CLS]\": 2, \"[SEP]\": 3, \"[MASK]\": 4}}, \"sequenceLengths\": [8]}");
        Path net = dir.resolve("network.json");
        Files.writeString(net, new NeuralNetConfiguration.Builder().seed(3).dataType(DataType.FLOAT).updater(new NoOp()).list()
                .layer(new EmbeddingSequenceLayer.Builder().nIn(V).nOut(8).inputLength(L).build())
                .layer(new RnnOutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(8).nOut(V).activation(Activation.SOFTMAX)
                        .dataFormat(RNNFormat.NCW).build())
                .build().toJson());
        network = net.toUri().toString();
    }

    @AfterAll
    static void stop() {
        SparkSession.getActiveSession().foreach(s -> {
            s.stop();
            return null;
        });
    }

    /** [CLS] tokens [SEP] [PAD]...; with badRow >= 0 that row holds the id V (outside the vocabulary). */
    static List<Row> rows(int n, long seed, int badRow) {
        Random r = new Random(seed);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int len = 3 + r.nextInt(L - 2);
            int[] ids = new int[L];
            for (int p = 0; p < len; p++) {
                ids[p] = p == 0 ? 2 : p == len - 1 ? 3 : 5 + r.nextInt(V - 5);
            }
            if (i == badRow) {
                ids[1] = V;
            }
            rows.add(RowFactory.create(ids, len));
        }
        return rows;
    }

    static void write(SparkSession spark, StructType schema, List<Row> rows, Path to) {
        spark.createDataFrame(rows, schema).coalesce(1).write().parquet(to.toUri().toString());
    }

    static String[] settings(String train, String test, String out) {
        return new String[] {"train", "--set", MASTER, "--set", "spark-lamb.data.format=tokens",
            "--set", "spark-lamb.data.tokens.sequence-length=" + L, "--set", "spark-lamb.model.classes=" + V,
            "--set", "spark-lamb.model.config-file=\"" + network + "\"", "--set", "spark-lamb.data.train=\"" + train + "\"",
            "--set", "spark-lamb.data.test=\"" + test + "\"", "--set", "spark-lamb.training.global-batch=32",
            "--set", "spark-lamb.training.micro-batch=16", "--set", "spark-lamb.training.max-steps=4", "--set", "spark-lamb.data.partitions=2",
            "--output", out};
    }

    @Test
    void trainAndEvaluateTokenData() throws Exception {
        String train = dir.resolve("import/seq-8/train").toUri().toString();
        String heldout = dir.resolve("import/seq-8/heldout").toUri().toString();
        Path out = dir.resolve("run");
        CliHarness.Outcome o = CliHarness.run(settings(train, heldout, out.toString()));
        assertThat(o.code()).as(o.err()).isZero();
        JsonNode summary = new ObjectMapper().readTree(out.resolve("summary.json").toFile());
        assertThat(summary.get("steps").asLong()).isEqualTo(4);
        assertThat(summary.get("testPerplexity").asDouble()).isGreaterThan(1.0);
        List<String> lines = Files.readAllLines(out.resolve("metrics.jsonl"));
        assertThat(lines).hasSize(4);
        JsonNode first = new ObjectMapper().readTree(lines.get(0));
        assertThat(first.get("maskedTokens").asLong()).isPositive();
        assertThat(first.get("tokensPerSecond").asDouble()).isPositive();

        Path report = dir.resolve("mlm-report.json");
        CliHarness.Outcome e = CliHarness.run("evaluate", "--model", out.resolve("model.zip").toString(), "--data", heldout,
                "--report", report.toString(), "--set", MASTER, "--set", "spark-lamb.data.format=tokens",
                "--set", "spark-lamb.data.tokens.sequence-length=" + L, "--set", "spark-lamb.model.classes=" + V);
        assertThat(e.code()).as(e.err()).isZero();
        assertThat(e.out()).contains("masked-token accuracy").contains("perplexity");
        JsonNode r = new ObjectMapper().readTree(report.toFile());
        assertThat(r.get("loss").asDouble()).isEqualTo(summary.get("testLoss").asDouble(), org.assertj.core.data.Offset.offset(1e-9));
        assertThat(r.get("maskedTokenAccuracy").asDouble()).isEqualTo(summary.get("testAccuracy").asDouble());
    }

    /**
     * The whole path of the issue in three commands: import-text on a tiny corpus, train conf/bert-mini-lamb.conf (the
     * bert-mini preset at tiny sizes, both stages) on its output, evaluate the model on the held-out sequences.
     */
    @Test
    void importTextThenTrainTheBertMiniConfigurationInTwoStagesThenEvaluate() throws Exception {
        Path docs = CliHarness.textCorpus(dir.resolve("corpus"));
        Path text = dir.resolve("sotu-like");
        CliHarness.Outcome imported = CliHarness.run("import-text", "--input", docs.toString(), "--output", text.toString(),
                "--vocab-size", "55", "--sequence-length", "8,16", "--heldout-fraction", "0.645", "--seed", "1", "--master", "local[2]");
        assertThat(imported.code()).as(imported.err()).isZero();
        int vocabulary = new ObjectMapper().readTree(text.resolve("text-import.json").toFile()).at("/vocabulary/size").asInt();
        String conf = Path.of(System.getProperty("sparklamb.project.dir", ".."), "conf", "bert-mini-lamb.conf").toString();
        Path out = dir.resolve("bert-run");
        String seq8 = text.resolve("seq-8").toUri().toString();
        String seq16 = text.resolve("seq-16").toUri().toString();
        CliHarness.Outcome trained = CliHarness.run("train", "-c", conf, "--output", out.toString(), "--set", MASTER,
                "--set", "spark-lamb.model.classes=" + vocabulary,
                "--set", "spark-lamb.model.bert={hidden = 16, layers = 1, heads = 2, feed-forward = 32, max-length = 16}",
                "--set", "spark-lamb.data.train=\"" + seq8 + "/train\"", "--set", "spark-lamb.data.test=\"" + seq8 + "/heldout\"",
                "--set", "spark-lamb.data.tokens.sequence-length=8",
                "--set", "spark-lamb.training.global-batch=4", "--set", "spark-lamb.training.micro-batch=2",
                "--set", "spark-lamb.training.max-steps=2", "--set", "spark-lamb.training.eval-every-steps=0",
                "--set", "spark-lamb.training.next-stages=[{train = \"" + seq16 + "/train\", test = \"" + seq16
                        + "/heldout\", sequence-length = 16, global-batch = 2, micro-batch = 2, steps = 2}]");
        assertThat(trained.code()).as(trained.err()).isZero();
        JsonNode summary = new ObjectMapper().readTree(out.resolve("summary.json").toFile());
        assertThat(summary.get("steps").asLong()).isEqualTo(4);
        assertThat(summary.get("stages").get(1).get("sequenceLength").asInt()).isEqualTo(16);
        assertThat(summary.get("testPerplexity").asDouble()).isGreaterThan(1.0);
        List<String> lines = Files.readAllLines(out.resolve("metrics.jsonl"));
        assertThat(lines).hasSize(4);
        assertThat(new ObjectMapper().readTree(lines.get(3)).get("stage").asInt()).isEqualTo(1);

        CliHarness.Outcome e = CliHarness.run("evaluate", "-c", conf, "--model", out.resolve("model.zip").toString(),
                "--data", seq16 + "/heldout", "--set", MASTER, "--set", "spark-lamb.model.classes=" + vocabulary,
                "--set", "spark-lamb.model.bert={hidden = 16, layers = 1, heads = 2, feed-forward = 32, max-length = 16}",
                "--set", "spark-lamb.data.tokens.sequence-length=16", "--set", "spark-lamb.training.micro-batch=2",
                "--set", "spark-lamb.training.max-steps=2", "--set", "spark-lamb.training.next-stages=[]");
        assertThat(e.code()).as(e.err()).isZero();
        assertThat(e.out()).contains("masked-token accuracy");
    }

    @Test
    void badTokenDataExits3AndAMismatchedImportExits2WithoutOutput() {
        String heldout = dir.resolve("import/seq-8/heldout").toUri().toString();
        Path out = dir.resolve("bad-run");
        CliHarness.Outcome o = CliHarness.run(settings(dir.resolve("bad/seq-8/train").toUri().toString(), "", out.toString()));
        assertThat(o.code()).isEqualTo(ExitCode.BAD_DATA.code);
        assertThat(o.err()).contains("row 33 (0-based, in file order): column 'input_ids' value 1 is token id 30, outside the vocabulary");
        assertThat(out).doesNotExist();

        String[] wrongMask = settings(dir.resolve("import/seq-8/train").toUri().toString(), heldout, out.toString());
        List<String> args = new ArrayList<>(List.of(wrongMask));
        args.addAll(List.of("--set", "spark-lamb.data.tokens.mask-id=7"));
        CliHarness.Outcome m = CliHarness.run(args.toArray(new String[0]));
        assertThat(m.code()).isEqualTo(ExitCode.BAD_CONFIGURATION.code);
        assertThat(m.err()).contains("spark-lamb.data.tokens.mask-id is 7").contains("text-import.json");
        assertThat(out).doesNotExist();
    }
}
