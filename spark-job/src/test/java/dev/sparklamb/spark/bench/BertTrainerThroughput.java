package dev.sparklamb.spark.bench;

import dev.sparklamb.optim.OptimizerConfig;
import dev.sparklamb.spark.config.ConfigLoader;
import dev.sparklamb.spark.config.RunConfig;
import dev.sparklamb.spark.data.BatchPlan;
import dev.sparklamb.spark.data.BatchShare;
import dev.sparklamb.spark.data.CachedExamples;
import dev.sparklamb.spark.data.DatasetReader;
import dev.sparklamb.spark.data.ExampleBlock;
import dev.sparklamb.spark.gradient.SequenceBatch;
import dev.sparklamb.spark.gradient.TokenMasking;
import dev.sparklamb.spark.model.ModelFactory;
import dev.sparklamb.spark.model.ModelSpec;
import dev.sparklamb.spark.model.Replica;
import dev.sparklamb.spark.model.dropout.DropoutContext;
import dev.sparklamb.spark.output.StepMetrics;
import dev.sparklamb.spark.train.TrainingLoop;
import dev.sparklamb.spark.train.TrainingProgress;
import dev.sparklamb.spark.update.GlobalUpdate;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.nativeblas.NativeOpsHolder;

/**
 * Masked-language-model training throughput (real tokens per second) of the {@code bert-mini} preset: spark-lamb's
 * trainer (LAMB, P partitions on the given master, e.g. {@code local[2]}) against DL4J's own single-process
 * {@code ComputationGraph.fit} of the same graph (DL4J's Adam) on the same micro-batches, in one JVM, alternating
 * rounds; tokens/s from the medians of the per-step rates, leaving out the first step of every round on every side
 * (ours: a run's first step also broadcasts the initial parameters and sets the replicas up; DL4J: the first step
 * after a change of the thread setting). Not a test; see docs/benchmarks.md, "bert-mini training
 * throughput".
 *
 * <p>"The same micro-batches": for every step the DL4J side takes, from the same cached blocks, each partition's share
 * of the global batch ({@link BatchShare#rows}), cuts it into the trainer's micro-batches and masks them with the
 * trainer's {@link TokenMasking} and epoch key ({@link SequenceBatch#of}), so inputs, labels, feature and label masks
 * are identical; dropout masks too (the same {@link DropoutContext} keys). One DL4J "step" is the {@code fit} calls on
 * those micro-batches (one update each); its time counts only the {@code fit} calls (building the arrays is excluded,
 * which favours DL4J). Our step time is the whole step: distribution, the tasks' batch building and
 * forward/backward, the all-reduce and the LAMB update.
 *
 * <p>DL4J runs twice per round: with the JVM's ND4J thread setting (one OpenMP thread when started with
 * {@code OMP_NUM_THREADS=1}, what each of our tasks gets) and with {@code DL4J_THREADS} threads (default: all cores)
 * set on the driver thread for its {@code fit} calls, reset to one afterwards.
 *
 * <p>Arguments: {@code DATA L GLOBAL_BATCH MICRO_BATCH STEPS_PER_ROUND ROUNDS [VOCABULARY [PARTITIONS [MASTER]]]}.
 * {@code DATA} is a Parquet directory in import-text's layout (e.g. {@code data/sotu/text/seq-128/train}) or
 * {@code synthetic:N} (N full-length sequences of uniformly random non-special token ids).
 */
public final class BertTrainerThroughput {

    private BertTrainerThroughput() {
    }

    public static void main(String[] args) throws Exception {
        String data = args.length > 0 ? args[0] : "synthetic:1024";
        int length = args.length > 1 ? Integer.parseInt(args[1]) : 128;
        int batch = args.length > 2 ? Integer.parseInt(args[2]) : 64;
        int micro = args.length > 3 ? Integer.parseInt(args[3]) : 16;
        int steps = args.length > 4 ? Integer.parseInt(args[4]) : 4;
        int rounds = args.length > 5 ? Integer.parseInt(args[5]) : 3;
        int vocabulary = args.length > 6 ? Integer.parseInt(args[6]) : 8000;
        int partitions = args.length > 7 ? Integer.parseInt(args[7]) : 2;
        String master = args.length > 8 ? args[8] : "local[2]";
        int dl4jThreads = Integer.parseInt(System.getenv().getOrDefault("DL4J_THREADS",
                String.valueOf(Runtime.getRuntime().availableProcessors())));

        SparkSession spark = SparkSession.builder().master(master).appName("spark-lamb bert throughput")
                .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
                .config("spark.serializer", "org.apache.spark.serializer.KryoSerializer")
                .config("spark.task.maxDirectResultSize", "64m").getOrCreate();
        Path tmp = Files.createTempDirectory("spark-lamb-bert-bench");
        RunConfig config = ConfigLoader.load("", "bench", List.of(
                "spark-lamb.output=\"" + tmp.resolve("out").toUri() + "\"",
                "spark-lamb.model.preset=bert-mini", "spark-lamb.model.classes=" + vocabulary,
                "spark-lamb.data.format=tokens", "spark-lamb.data.tokens.sequence-length=" + length,
                "spark-lamb.data.partitions=" + partitions,
                "spark-lamb.optimizer.name=lamb",
                "spark-lamb.optimizer.exclude-from-weight-decay=[\"_b[a-z0-9]?$\", \"_norm_\"]",
                "spark-lamb.training.global-batch=" + batch, "spark-lamb.training.micro-batch=" + micro,
                "spark-lamb.training.epochs=1000", "spark-lamb.training.max-steps=" + steps,
                "spark-lamb.training.progress-every-seconds=1000"));
        DatasetReader reader = new DatasetReader(spark, config.data(), length, vocabulary, config.seed());
        CachedExamples cached = data.startsWith("synthetic:")
                ? reader.fromDataFrame(synthetic(spark, Integer.parseInt(data.substring("synthetic:".length())), length, vocabulary),
                        "training data")
                : reader.read(data, "training data");
        List<ExampleBlock> blocks = new ArrayList<>(cached.blocks().collect());
        blocks.sort(Comparator.comparingInt(ExampleBlock::partition));

        ModelSpec spec = ModelFactory.spec(config.model(), config.seed(), spark.sparkContext().hadoopConfiguration());
        TrainingLoop loop = new TrainingLoop(JavaSparkContext.fromSparkContext(spark.sparkContext()), config, spec);
        BatchPlan plan = loop.plan(cached);
        OptimizerConfig optimizer = config.optimizer().create(plan.totalSteps(), plan.globalBatch());
        TokenMasking masking = new TokenMasking(config.seed(), vocabulary, config.data().tokens());

        ComputationGraphConfiguration conf = ModelFactory.bertMini(config.model(), config.seed());
        for (GraphVertex v : conf.getVertices().values()) {
            if (v instanceof LayerVertex lv && lv.getLayerConf().getLayer() instanceof BaseLayer layer) {
                layer.setIUpdater(new Adam(1e-4));
                layer.setBiasUpdater(new Adam(1e-4));
            }
        }
        ComputationGraph graph = new ComputationGraph(conf);
        graph.init();
        graph.setParams(Nd4j.createFromArray(spec.build().parameters()).reshape(1, graph.numParams()));

        System.out.printf("bert-mini %s, vocabulary %d, %d parameters; data %s (%d sequences of length %d in %d partitions); "
                        + "global batch %d, micro-batch %d, %d steps per round, %d rounds; master %s; OMP_NUM_THREADS=%s, "
                        + "DL4J second setting %d threads; load average at start %s%n",
                config.model().bert(), vocabulary, graph.numParams(), data, cached.count(), length, cached.partitions(), batch, micro,
                steps, rounds, master, System.getenv("OMP_NUM_THREADS"), dl4jThreads, loadAverage());

        List<Double> ours = new ArrayList<>();
        List<Double> dl4jOne = new ArrayList<>();
        List<Double> dl4jMany = new ArrayList<>();
        List<Double> computeShare = new ArrayList<>();
        List<Double> buildOne = new ArrayList<>();
        List<Double> buildMany = new ArrayList<>();
        for (int round = 0; round < rounds; round++) {
            Replica init = spec.build();
            GlobalUpdate update = new GlobalUpdate(init.layout(), init.parameters(), optimizer.create());
            List<StepMetrics> history = loop.run(cached, Optional.empty(), update, TrainingProgress.start(), (m, p, u) -> { });
            for (int s = 0; s < history.size(); s++) {
                StepMetrics m = history.get(s);
                double rate = m.sequence().tokens() / (m.stepMillis() / 1000);
                System.out.printf("round %d ours   step %d: %6d tokens, %8.0f ms (compute %.0f, all-reduce %.0f, update %.0f), "
                                + "%6.0f tokens/s, loss %.3f%n", round, s, m.sequence().tokens(), m.stepMillis(), m.computeMillis(),
                        m.allReduceMillis(), m.updateMillis(), rate, m.loss());
                if (s > 0) {
                    ours.add(rate);
                    computeShare.add(m.computeMillis() / m.stepMillis());
                }
            }
            for (int threads : new int[] {0, dl4jThreads}) {
                setThreads(threads);
                try {
                    for (int s = 0; s < steps; s++) {
                        double[] r = dl4jStep(graph, blocks, plan, s, micro, masking);
                        System.out.printf("round %d dl4j-%s step %d: %6d tokens, %8.0f ms (fit calls only; building the "
                                        + "micro-batches took %.0f ms more), %6.0f tokens/s, mean loss per masked token %.3f%n", round,
                                threads == 0 ? "1t" : threads + "t", s, (long) r[0], r[1], r[3], r[0] / (r[1] / 1000), r[2]);
                        if (s > 0) {
                            (threads == 0 ? dl4jOne : dl4jMany).add(r[0] / (r[1] / 1000));
                            (threads == 0 ? buildOne : buildMany).add(r[3] / r[1]);
                        }
                    }
                } finally {
                    setThreads(1);
                }
            }
            System.out.printf("round %d done, load average %s%n", round, loadAverage());
        }
        double o = median(ours);
        double d1 = median(dl4jOne);
        double dn = median(dl4jMany);
        System.out.printf("%nRESULT data=%s length=%d globalBatch=%d microBatch=%d partitions=%d master=%s stepsPerRound=%d rounds=%d "
                + "vocabulary=%d OMP_NUM_THREADS=%s%n", data, length, batch, micro, partitions, master, steps, rounds, vocabulary,
                System.getenv("OMP_NUM_THREADS"));
        System.out.printf("RESULT ours (spark-lamb, LAMB): median %.0f tokens/s (n=%d; compute share of the step %.2f)%n", o, ours.size(),
                median(computeShare));
        System.out.printf("RESULT DL4J fit, 1 thread:     median %.0f tokens/s (n=%d), ratio ours/DL4J %.2f; building its micro-batches "
                + "took %.2f x the fit time (median)%n", d1, dl4jOne.size(), o / d1, median(buildOne));
        System.out.printf("RESULT DL4J fit, %d threads:    median %.0f tokens/s (n=%d), ratio ours/DL4J %.2f; building %.2f x%n",
                dl4jThreads, dn, dl4jMany.size(), o / dn, median(buildMany));
        System.out.printf("RESULT ratio against the faster DL4J setting: %.2f; load average at end %s%n", o / Math.max(d1, dn),
                loadAverage());
        cached.release();
        spark.stop();
    }

    /**
     * One DL4J step: every partition's share of step {@code step}, in the trainer's micro-batches and masking, each
     * given to {@code fit} once. Returns {real tokens, milliseconds in fit, mean loss per masked token, milliseconds
     * building the micro-batches}.
     */
    private static double[] dl4jStep(ComputationGraph graph, List<ExampleBlock> blocks, BatchPlan plan, long step, int micro,
                                     TokenMasking masking) {
        long tokens = 0;
        long nanos = 0;
        long buildNanos = 0;
        double loss = 0;
        long masked = 0;
        int epoch = plan.epochOf(step);
        for (ExampleBlock block : blocks) {
            int[] rows = BatchShare.rows(block, plan.permutation(epoch), plan.firstPosition(step), plan.globalBatch());
            for (int from = 0; from < rows.length; from += micro) {
                int count = Math.min(micro, rows.length - from);
                long b0 = System.nanoTime();
                SequenceBatch b = SequenceBatch.of(block, rows, from, count, masking, epoch);
                long[] ids = new long[count];
                for (int i = 0; i < count; i++) {
                    ids[i] = block.id(rows[from + i]);
                }
                MultiDataSet mds = new MultiDataSet(new INDArray[] {b.features()}, new INDArray[] {b.labels()},
                        new INDArray[] {b.featureMask()}, new INDArray[] {b.labelMask()});
                buildNanos += System.nanoTime() - b0;
                try (DropoutContext.Scope scope = DropoutContext.open(plan.seed(), step, ids)) {
                    long t0 = System.nanoTime();
                    graph.fit(mds);
                    nanos += System.nanoTime() - t0;
                }
                // DL4J's score: the summed loss over the label mask divided by the micro-batch's examples.
                loss += graph.score() * count;
                masked += b.maskedTokens();
                tokens += b.realTokens();
            }
        }
        return new double[] {tokens, nanos / 1e6, loss / Math.max(1, masked), buildNanos / 1e6};
    }

    /**
     * ND4J's thread count for ops started from this thread: {@code n} threads, or (n = 0) one (the value each
     * trainer task runs with under {@code OMP_NUM_THREADS=1}). OpenMP's count is per calling thread; ND4J's and BLAS's
     * settings are process-wide, so they are reset before our trainer runs.
     */
    private static void setThreads(int n) {
        int t = Math.max(1, n);
        NativeOpsHolder.getInstance().getDeviceNativeOps().setOmpNumThreads(t);
        Nd4j.getEnvironment().setMaxThreads(t);
        Nd4j.getEnvironment().setMaxMasterThreads(t);
        Nd4j.factory().blas().setMaxThreads(t);
    }

    /** n sequences [CLS] ids.. [SEP] of exactly {@code length} ids, the ids uniform over the non-special tokens. */
    private static Dataset<Row> synthetic(SparkSession spark, int n, int length, int vocabulary) {
        StructType schema = new StructType()
                .add("input_ids", DataTypes.createArrayType(DataTypes.IntegerType, false), false)
                .add("length", DataTypes.IntegerType, false);
        Random r = new Random(7);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int[] ids = new int[length];
            ids[0] = 2;
            for (int p = 1; p < length - 1; p++) {
                ids[p] = 5 + r.nextInt(vocabulary - 5);
            }
            ids[length - 1] = 3;
            rows.add(RowFactory.create(ids, length));
        }
        return spark.createDataFrame(rows, schema);
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (java.io.IOException e) {
            return "?";
        }
    }

    private static double median(List<Double> values) {
        if (values.isEmpty()) {
            return Double.NaN;
        }
        double[] v = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : 0.5 * (v[v.length / 2 - 1] + v[v.length / 2]);
    }
}
