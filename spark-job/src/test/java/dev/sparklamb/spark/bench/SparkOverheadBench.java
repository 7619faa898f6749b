package dev.sparklamb.spark.bench;

import dev.sparklamb.optim.OptimizerConfig;
import dev.sparklamb.spark.config.ConfigLoader;
import dev.sparklamb.spark.config.RunConfig;
import dev.sparklamb.spark.data.BatchPlan;
import dev.sparklamb.spark.data.CachedExamples;
import dev.sparklamb.spark.data.DatasetReader;
import dev.sparklamb.spark.data.ExampleBlock;
import dev.sparklamb.spark.data.MnistImporter;
import dev.sparklamb.spark.model.ModelFactory;
import dev.sparklamb.spark.model.ModelSpec;
import dev.sparklamb.spark.model.Replica;
import dev.sparklamb.spark.output.StepMetrics;
import dev.sparklamb.spark.train.TrainingLoop;
import dev.sparklamb.spark.train.TrainingProgress;
import dev.sparklamb.spark.update.GlobalUpdate;
import dev.sparklamb.spark.update.LocalTrainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * Spark overhead of one training step: the same step (model, global batch, LAMB) through Spark with P partitions
 * versus in-process without Spark ({@link LocalTrainer}), alternating rounds in one run, medians reported.
 *
 * <p>Arguments: master, partitions, global batch, micro-batch, steps per round, rounds, MNIST raw dir.
 */
public final class SparkOverheadBench {

    public static void main(String[] args) throws Exception {
        String master = args.length > 0 ? args[0] : "local[2]";
        int partitions = args.length > 1 ? Integer.parseInt(args[1]) : 1;
        int batch = args.length > 2 ? Integer.parseInt(args[2]) : 16384;
        int micro = args.length > 3 ? Integer.parseInt(args[3]) : 2048;
        int steps = args.length > 4 ? Integer.parseInt(args[4]) : 8;
        int rounds = args.length > 5 ? Integer.parseInt(args[5]) : 3;
        String raw = args.length > 6 ? args[6] : "data/mnist/raw";
        int limit = args.length > 7 ? Integer.parseInt(args[7]) : 0;

        SparkSession.Builder builder = SparkSession.builder().master(master).appName("spark-lamb overhead bench")
                .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
                .config("spark.serializer", "org.apache.spark.serializer.KryoSerializer")
                .config("spark.task.maxDirectResultSize", System.getProperty("maxDirectResultSize", "1m"));
        if (master.startsWith("local-cluster")) {
            builder.config("spark.executor.extraJavaOptions", System.getProperty("sparklamb.java17.flags", "")
                    + " -Dlog4j2.configurationFile=" + System.getProperty("log4j2.configurationFile", ""));
        }
        SparkSession spark = builder.getOrCreate();
        Path tmp = Files.createTempDirectory("spark-lamb-bench");
        String train = tmp.resolve("train.parquet").toUri().toString();
        MnistImporter.convert(spark, raw + "/train-images-idx3-ubyte", raw + "/train-labels-idx1-ubyte", train, limit);

        RunConfig config = ConfigLoader.load("", "bench", List.of(
                "spark-lamb.output=\"" + tmp.resolve("out").toUri() + "\"",
                "spark-lamb.data.partitions=" + partitions,
                "spark-lamb.training.global-batch=" + batch, "spark-lamb.training.micro-batch=" + micro,
                "spark-lamb.training.epochs=1000", "spark-lamb.training.max-steps=" + steps,
                "spark-lamb.training.progress-every-seconds=1000"));
        ModelSpec spec = ModelFactory.spec(config.model(), config.seed(), spark.sparkContext().hadoopConfiguration());
        DatasetReader reader = new DatasetReader(spark, config.data(), config.model().inputSize(), config.model().classes(), config.seed());
        CachedExamples cached = reader.read(train, "training data");
        double heapAfterCache = usedHeapMb();
        ExampleBlock all = merge(cached.blocks().collect());
        TrainingLoop loop = new TrainingLoop(JavaSparkContext.fromSparkContext(spark.sparkContext()), config, spec);
        BatchPlan plan = loop.plan(cached);
        OptimizerConfig optimizer = config.optimizer().create(plan.totalSteps(), plan.globalBatch());

        List<Double> local = new ArrayList<>();
        List<StepMetrics> viaSpark = new ArrayList<>();
        LocalTrainer localTrainer = new LocalTrainer(spec, micro, config.model().classes());
        Replica replica = spec.build();
        for (int round = 0; round < rounds; round++) {
            GlobalUpdate localUpdate = new GlobalUpdate(replica.layout(), spec.build().parameters(), optimizer.create());
            for (int s = 0; s < steps; s++) {
                long t0 = System.nanoTime();
                localTrainer.step(replica, all, plan, localUpdate, s);
                if (round > 0 || s > 0) {
                    local.add((System.nanoTime() - t0) / 1e6);
                }
            }
            Replica init = spec.build();
            GlobalUpdate sparkUpdate = new GlobalUpdate(init.layout(), init.parameters(), optimizer.create());
            List<StepMetrics> h = loop.run(cached, Optional.empty(), sparkUpdate, TrainingProgress.start(), (m, p, u) -> { });
            viaSpark.addAll(round == 0 ? h.subList(1, h.size()) : h);
        }
        all = null;
        double heapAfterTraining = usedHeapMb();
        double localMedian = median(local);
        double sparkMedian = median(viaSpark.stream().map(StepMetrics::stepMillis).toList());
        System.out.printf("%nRESULT master=%s partitions=%d globalBatch=%d microBatch=%d steps=%d rounds=%d%n",
                master, partitions, batch, micro, steps, rounds);
        System.out.printf("RESULT in-process step median: %.1f ms (n=%d)%n", localMedian, local.size());
        System.out.printf("RESULT spark step median:      %.1f ms (n=%d)%n", sparkMedian, viaSpark.size());
        System.out.printf("RESULT spark overhead: %.1f%% of the in-process step%n", 100 * (sparkMedian / localMedian - 1));
        System.out.printf("RESULT spark step split (medians, ms): distribute %.1f, compute %.1f, all-reduce %.1f, update %.1f%n",
                median(viaSpark.stream().map(StepMetrics::distributeMillis).toList()),
                median(viaSpark.stream().map(StepMetrics::computeMillis).toList()),
                median(viaSpark.stream().map(StepMetrics::allReduceMillis).toList()),
                median(viaSpark.stream().map(StepMetrics::updateMillis).toList()));
        System.out.printf("RESULT driver heap used after GC: %.0f MB after caching %d examples, %.0f MB after training%s%n",
                heapAfterCache, cached.count(), heapAfterTraining,
                master.startsWith("local-cluster") ? " (executors are other JVMs)" : " (local mode: includes the executors' cached data)");
        cached.release();
        spark.stop();
    }

    private static double usedHeapMb() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        Runtime r = Runtime.getRuntime();
        return (r.totalMemory() - r.freeMemory()) / 1e6;
    }

    private static ExampleBlock merge(List<ExampleBlock> blocks) {
        int n = blocks.stream().mapToInt(ExampleBlock::size).sum();
        int d = blocks.get(0).featureCount();
        long[][] order = new long[n][];
        int k = 0;
        for (int b = 0; b < blocks.size(); b++) {
            for (int r = 0; r < blocks.get(b).size(); r++) {
                order[k++] = new long[] {blocks.get(b).id(r), b, r};
            }
        }
        Arrays.sort(order, (x, y) -> Long.compare(x[0], y[0]));
        long[] ids = new long[n];
        float[] features = new float[n * d];
        int[] labels = new int[n];
        float[] row = new float[d];
        for (int i = 0; i < n; i++) {
            ExampleBlock b = blocks.get((int) order[i][1]);
            int r = (int) order[i][2];
            ids[i] = order[i][0];
            b.gatherFeatures(new int[] {r}, 0, 1, row);
            System.arraycopy(row, 0, features, i * d, d);
            labels[i] = b.label(r);
        }
        return new ExampleBlock(0, d, ids, features, labels);
    }

    private static double median(List<Double> values) {
        double[] v = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : 0.5 * (v[v.length / 2 - 1] + v[v.length / 2]);
    }
}
