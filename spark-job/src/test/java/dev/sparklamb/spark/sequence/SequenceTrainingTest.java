package dev.sparklamb.spark.sequence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sparklamb.spark.LocalSpark;
import dev.sparklamb.spark.TestSpark;
import dev.sparklamb.spark.config.RunConfig;
import dev.sparklamb.spark.data.BatchPlan;
import dev.sparklamb.spark.data.EpochPermutation;
import dev.sparklamb.spark.data.ExampleBlock;
import dev.sparklamb.spark.gradient.SequenceBatch;
import dev.sparklamb.spark.gradient.TokenMasking;
import dev.sparklamb.spark.model.ModelSpec;
import dev.sparklamb.spark.model.Replica;
import dev.sparklamb.spark.model.dropout.DropoutContext;
import dev.sparklamb.spark.output.StepMetrics;
import dev.sparklamb.spark.train.SparkTrainer;
import dev.sparklamb.spark.train.TrainedModel;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Masked-language-model steps through the trainer: P = 1 and P = 3 give the same parameters (masks, keyed dropout), the
 * tree and sharded all-reduce the same bits, and a step's loss and gradient are the sums over the masked tokens of the
 * global batch divided by their number, checked against DL4J's own whole-batch gradient and a double-precision loss
 * from the network's output.
 */
@ExtendWith(LocalSpark.class)
class SequenceTrainingTest {

    static SparkSession spark;
    static final List<int[]> TRAIN = SequenceFixtures.sequences(300, 11);
    static final List<int[]> TEST = SequenceFixtures.sequences(60, 12);
    static String trainPath;
    static String testPath;

    @TempDir
    static Path data;

    @TempDir
    Path tmp;

    @BeforeAll
    static void writeData() {
        trainPath = SequenceFixtures.write(spark, data.resolve("seq-8"), SequenceFixtures.rows(TRAIN), SequenceFixtures.SCHEMA);
        testPath = SequenceFixtures.write(spark, data.resolve("test-seq-8"), SequenceFixtures.rows(TEST), SequenceFixtures.SCHEMA);
    }

    record Result(float[] parameters, List<StepMetrics> history) {
    }

    RunConfig config(int partitions, String allReduce) {
        return TestSpark.config(tmp.resolve("out-" + partitions + allReduce),
                overridesWith(partitions, "training.all-reduce=" + allReduce, "training.eval-every-steps=3"));
    }

    /** The whole trainer (CLI path): token data read from Parquet, the network from its configuration file. */
    Result train(RunConfig config) {
        TrainedModel m = new SparkTrainer(spark, config).fit();
        return new Result(m.parameters(), m.history());
    }

    static double maxRelative(float[] a, float[] b) {
        return dev.sparklamb.spark.TestFiles.relativeDifference(a, b);
    }

    @Test
    void oneAndThreePartitionsAgreeAndTreeEqualsSharded() throws java.io.IOException {
        Result one = train(config(1, "tree"));
        Result three = train(config(3, "tree"));
        Result sharded = train(config(3, "sharded"));
        assertThat(one.history()).hasSize(6);
        float[] initial = ModelSpec.of(SequenceFixtures.network(12345), "x").build().parameters();
        assertThat(maxRelative(one.parameters(), initial)).as("training moved the parameters").isGreaterThan(1e-3);
        assertThat(maxRelative(three.parameters(), one.parameters())).as("P = 3 vs P = 1").isLessThanOrEqualTo(1e-5);
        assertThat(Arrays.equals(sharded.parameters(), three.parameters())).as("sharded == tree, bitwise").isTrue();
        for (int s = 0; s < 6; s++) {
            StepMetrics a = one.history().get(s);
            StepMetrics b = three.history().get(s);
            assertThat(b.sequence().maskedTokens()).isEqualTo(a.sequence().maskedTokens());
            assertThat(b.sequence().tokens()).isEqualTo(a.sequence().tokens());
            assertThat(b.loss()).isCloseTo(a.loss(), org.assertj.core.data.Offset.offset(1e-5 * Math.abs(a.loss())));
        }
        // held-out evaluation at steps 3 and 6: fixed masking, masked-token accuracy and loss per token
        StepMetrics evaluated = three.history().get(2);
        assertThat(evaluated.testAccuracy()).isBetween(0.0, 1.0);
        assertThat(evaluated.testPerplexity()).isCloseTo(Math.exp(evaluated.testLoss()), org.assertj.core.data.Offset.offset(1e-9));
        assertThat(evaluated.toMap()).containsKeys("tokens", "maskedTokens", "tokensPerSecond", "testPerplexity");
        assertThat(three.history().get(5).testLoss()).isCloseTo(one.history().get(5).testLoss(),
                org.assertj.core.data.Offset.offset(1e-4));
        com.fasterxml.jackson.databind.JsonNode summary = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(tmp.resolve("out-3tree").resolve("summary.json").toFile());
        assertThat(summary.get("testPerplexity").asDouble()).isCloseTo(Math.exp(summary.get("testLoss").asDouble()),
                org.assertj.core.data.Offset.offset(1e-9));
        assertThat(summary.get("testAccuracy").asDouble()).isEqualTo(three.history().get(5).testAccuracy());
        assertThat(summary.has("testMetrics")).as("no per-class report for masked tokens").isFalse();
        java.util.List<String> lines = java.nio.file.Files.readAllLines(tmp.resolve("out-3tree").resolve("metrics.jsonl"));
        assertThat(lines).hasSize(6);
        assertThat(new com.fasterxml.jackson.databind.ObjectMapper().readTree(lines.get(0)).get("maskedTokens").asLong())
                .isEqualTo(three.history().get(0).sequence().maskedTokens());
    }

    /**
     * LARS (LAMB is the default, above): the sharded owners' first pass uses the step's masked-token divisor, which only
     * the sum over all partitions gives, and still equals the tree engine bitwise.
     */
    @Test
    void larsShardedEqualsTreeBitwise() {
        TrainedModel tree = new SparkTrainer(spark, TestSpark.config(tmp.resolve("lars-tree"),
                overridesWith(3, "optimizer.name=lars", "training.all-reduce=tree"))).fit();
        TrainedModel sharded = new SparkTrainer(spark, TestSpark.config(tmp.resolve("lars-sharded"),
                overridesWith(3, "optimizer.name=lars", "training.all-reduce=sharded"))).fit();
        assertThat(sharded.history()).hasSize(6);
        assertThat(sharded.history().get(0).sequence().maskedTokens()).as("the divisor is not the global batch").isNotEqualTo(64);
        assertThat(Arrays.mismatch(sharded.parameters(), tree.parameters())).as("first differing parameter (-1: none)").isEqualTo(-1);
        for (int t = 0; t < tree.optimizerState().layout().size(); t++) {
            assertThat(Arrays.mismatch(sharded.optimizerState().firstMoment(t), tree.optimizerState().firstMoment(t)))
                    .as("momentum of tensor %d", t).isEqualTo(-1);
        }
        for (int i = 0; i < 6; i++) {
            assertThat(sharded.history().get(i).trustRatioMedian()).as("median trust ratio of step %d", i + 1)
                    .isEqualTo(tree.history().get(i).trustRatioMedian());
            assertThat(sharded.history().get(i).loss()).as("loss of step %d", i + 1).isEqualTo(tree.history().get(i).loss());
        }
    }

    /** The bert-mini preset (attention, layer norm, keyed dropout 0.1) at tiny sizes: P = 1, P = 3 and sharded agree. */
    @Test
    void bertMiniWithDropoutTrainsTheSameOnOneAndThreePartitions() {
        String[] bert = {"model.config-file=\"\"", "model.preset=bert-mini",
            "model.bert={hidden = 8, layers = 1, heads = 2, feed-forward = 16, max-length = 8, dropout = 0.1}"};
        TrainedModel one = new SparkTrainer(spark, TestSpark.config(tmp.resolve("b1"), overridesWith(1, bert))).fit();
        TrainedModel three = new SparkTrainer(spark, TestSpark.config(tmp.resolve("b3"), overridesWith(3, bert))).fit();
        String[] sharded = Arrays.copyOf(bert, bert.length + 1);
        sharded[bert.length] = "training.all-reduce=sharded";
        TrainedModel threeSharded = new SparkTrainer(spark, TestSpark.config(tmp.resolve("b3s"), overridesWith(3, sharded))).fit();
        assertThat(maxRelative(three.parameters(), one.parameters())).as("P = 3 vs P = 1").isLessThanOrEqualTo(1e-5);
        assertThat(Arrays.equals(threeSharded.parameters(), three.parameters())).as("sharded == tree, bitwise").isTrue();
        assertThat(one.history()).hasSize(6);
        assertThat(one.history().get(5).loss()).as("training changed the model").isNotEqualTo(one.history().get(0).loss());
    }

    @Test
    void twoStagesWithLongerSequencesResumeBitwiseInTheSecondStage() {
        String seq12 = SequenceFixtures.write(spark, tmp.resolve("seq-12"), SequenceFixtures.rows(SequenceFixtures.sequences(200, 13, 12)),
                SequenceFixtures.SCHEMA);
        String stages = "training.next-stages=[{train = \"" + seq12 + "\", sequence-length = 12, global-batch = 32, micro-batch = 8, "
                + "steps = 3, learning-rate {base = 0.005}}]";
        RunConfig whole = TestSpark.config(tmp.resolve("whole"), overridesWith(3, stages));
        TrainedModel uninterrupted = new SparkTrainer(spark, whole).fit();
        assertThat(uninterrupted.history()).extracting(StepMetrics::stage).containsExactly(0, 0, 0, 0, 0, 0, 1, 1, 1);
        assertThat(uninterrupted.history()).extracting(StepMetrics::examples).containsExactly(64L, 64L, 64L, 64L, 64L, 64L, 32L, 32L, 32L);
        // stage 2's sequences are longer: more real tokens per sequence on average than stage 1's
        assertThat((double) uninterrupted.history().get(8).sequence().tokens() / 32)
                .isGreaterThan((double) uninterrupted.history().get(0).sequence().tokens() / 64);

        RunConfig crashing = TestSpark.config(tmp.resolve("crash"), overridesWith(3, stages, "checkpoint.every-steps=7"));
        assertThatThrownBy(() -> new SparkTrainer(spark, crashing).listener((m, p, u) -> {
            if (p.nextStep() == 8) {
                throw new IllegalStateException("simulated crash after step 8");
            }
        }).fit()).hasMessageContaining("simulated crash");
        TrainedModel resumed = new SparkTrainer(spark, crashing).resume(true).fit();
        assertThat(resumed.history().get(0).step()).isEqualTo(8); // from the checkpoint after step 7
        assertThat(Arrays.equals(resumed.parameters(), uninterrupted.parameters())).as("bitwise equal").isTrue();
    }

    /** Token ids cached with {@code spark-lamb.data.cache = disk} train and evaluate bitwise like the in-memory cache. */
    @org.junit.jupiter.params.ParameterizedTest(name = "P = {0}")
    @org.junit.jupiter.params.provider.ValueSource(ints = {2, 3})
    void diskCacheEqualsMemoryCacheBitwise(int partitions) {
        Result memory = train(config(partitions, "tree"));
        Result disk = train(TestSpark.config(tmp.resolve("disk-" + partitions),
                overridesWith(partitions, "training.eval-every-steps=3", "data.cache=disk")));
        assertThat(disk.history()).hasSize(6);
        assertThat(Arrays.equals(disk.parameters(), memory.parameters())).as("bitwise equal parameters").isTrue();
        for (int i = 0; i < memory.history().size(); i++) {
            assertThat(disk.history().get(i).loss()).isEqualTo(memory.history().get(i).loss());
            assertThat(disk.history().get(i).sequence().maskedTokens()).isEqualTo(memory.history().get(i).sequence().maskedTokens());
            assertThat(disk.history().get(i).testLoss()).isEqualTo(memory.history().get(i).testLoss());
        }
    }

    String[] overridesWith(int partitions, String... extra) {
        java.util.List<String> all = new java.util.ArrayList<>(java.util.List.of("data.format=tokens", "data.tokens.sequence-length=8",
                "data.train=\"" + trainPath + "\"", "data.test=\"" + testPath + "\"",
                "model.config-file=\"" + SequenceFixtures.networkFile(data.resolve("net"), SequenceFixtures.network(12345)) + "\"",
                "model.classes=" + SequenceFixtures.V, "data.partitions=" + partitions, "training.global-batch=64",
                "training.micro-batch=10", "training.epochs=2", "training.max-steps=6", "optimizer.weight-decay=0.01",
                "optimizer.learning-rate.base=0.01", "optimizer.learning-rate.warmup-fraction=0.3"));
        all.addAll(java.util.List.of(extra));
        return all.toArray(new String[0]);
    }

    @Test
    void aDataFrameOfInputIdsAndLengthsTrainsLikeTheFiles() {
        RunConfig config = config(3, "tree");
        TrainedModel fromFiles = new SparkTrainer(spark, config).fit();
        RunConfig again = config.withOutput(tmp.resolve("frame").toUri().toString());
        TrainedModel fromFrame = new SparkTrainer(spark, again).fit(
                spark.createDataFrame(SequenceFixtures.rows(TRAIN), SequenceFixtures.SCHEMA).coalesce(1),
                spark.createDataFrame(SequenceFixtures.rows(TEST), SequenceFixtures.SCHEMA).coalesce(1));
        assertThat(Arrays.equals(fromFrame.parameters(), fromFiles.parameters())).as("same ids, masks and batches: bitwise equal").isTrue();
        assertThat(fromFrame.finalEvaluation().orElseThrow().meanLoss()).isEqualTo(fromFiles.finalEvaluation().orElseThrow().meanLoss());
        // the evaluate command's scoring of the saved model: the same held-out masking, so the same numbers
        dev.sparklamb.spark.evaluate.EvaluationScore saved = dev.sparklamb.spark.train.ModelEvaluation.evaluate(spark, config,
                tmp.resolve("out-3tree").resolve("model.zip").toUri().toString(), testPath);
        assertThat(saved.examples()).isEqualTo(fromFiles.finalEvaluation().orElseThrow().examples());
        assertThat(saved.accuracy()).isEqualTo(fromFiles.finalEvaluation().orElseThrow().accuracy());
        assertThat(saved.meanLoss()).isCloseTo(fromFiles.finalEvaluation().orElseThrow().meanLoss(), org.assertj.core.data.Offset.offset(1e-9));
    }

    @Test
    void stepLossAndGradientAreNormalisedByTheMaskedTokensOfTheGlobalBatch() {
        RunConfig config = config(3, "tree");
        Result result = train(config);
        StepMetrics first = result.history().get(0);

        // The first global batch, independently: the examples whose epoch-0 position is below 64 (one file: ids in row order).
        EpochPermutation epoch0 = new EpochPermutation(TRAIN.size(), config.seed(), 0);
        long[] ids = new long[64];
        int[] tokens = new int[64 * SequenceFixtures.L];
        int[] lengths = new int[64];
        for (int id = 0; id < TRAIN.size(); id++) {
            long position = epoch0.position(id);
            if (position < 64) {
                int at = (int) position;
                ids[at] = id;
                System.arraycopy(TRAIN.get(id), 0, tokens, at * SequenceFixtures.L, SequenceFixtures.L);
                lengths[at] = TRAIN.get(id)[SequenceFixtures.L];
            }
        }
        ExampleBlock batch = ExampleBlock.ofTokens(0, SequenceFixtures.L, ids, tokens, lengths);
        int[] rows = new int[64];
        Arrays.setAll(rows, i -> i);
        TokenMasking masking = new TokenMasking(config.seed(), SequenceFixtures.V, config.data().tokens());
        SequenceBatch b = SequenceBatch.of(batch, rows, 0, 64, masking, 0);
        double maskedTokens = b.labelMask().sumNumber().doubleValue();
        assertThat(first.sequence().maskedTokens()).isEqualTo((long) maskedTokens);
        double realTokens = Arrays.stream(lengths).sum();
        assertThat(first.sequence().tokens()).isEqualTo((long) realTokens);

        // DL4J, one process, the whole batch in one pass: its summed gradient over the masked tokens / their count
        ModelSpec spec = ModelSpec.of(SequenceFixtures.network(config.seed()), "seq-test");
        Replica reference = spec.buildReplica();
        float[] full = new float[(int) reference.parameterCount()];
        double lossSum;
        try (DropoutContext.Scope scope = DropoutContext.open(config.seed(), 0, ids)) {
            lossSum = reference.gradient(b.features(), b.featureMask(), b.labels(), b.labelMask(), full);
        }
        double norm = 0;
        for (float g : full) {
            norm += ((double) g / maskedTokens) * ((double) g / maskedTokens);
        }
        assertThat(first.gradientNorm()).as("step 1 gradient norm = |sum of token gradients| / masked tokens")
                .isCloseTo(Math.sqrt(norm), org.assertj.core.data.Offset.offset(1e-5 * Math.sqrt(norm)));
        assertThat(first.loss()).isCloseTo(lossSum / maskedTokens, org.assertj.core.data.Offset.offset(1e-5 * lossSum / maskedTokens));

        // and the loss in double precision from the initial network's output (dropout off: a check of the scale only)
        Replica plain = spec.build();
        INDArray out = plain.output(b.features(), b.featureMask());
        double nll = 0;
        for (int i = 0; i < 64; i++) {
            for (int p = 0; p < SequenceFixtures.L; p++) {
                if (b.labelMask().getDouble(i, p) == 1) {
                    nll -= Math.log(out.getDouble(i, tokens[i * SequenceFixtures.L + p], p));
                }
            }
        }
        // untrained: every token has probability about 1/V, with or without dropout
        assertThat(nll / maskedTokens).isCloseTo(Math.log(SequenceFixtures.V), org.assertj.core.data.Offset.offset(0.3));
        assertThat(first.loss()).isCloseTo(Math.log(SequenceFixtures.V), org.assertj.core.data.Offset.offset(0.3));
    }
}
