package dev.sparklamb.spark.bench;

import dev.sparklamb.optim.Optimizer;
import dev.sparklamb.spark.TestSpark;
import dev.sparklamb.spark.allreduce.Communication;
import dev.sparklamb.spark.allreduce.StepEngine;
import dev.sparklamb.spark.config.RunConfig;
import dev.sparklamb.spark.data.BatchPlan;
import dev.sparklamb.spark.data.CachedExamples;
import dev.sparklamb.spark.data.DatasetReader;
import dev.sparklamb.spark.model.ModelFactory;
import dev.sparklamb.spark.model.ModelSpec;
import dev.sparklamb.spark.model.Replica;
import dev.sparklamb.spark.output.StepMetrics;
import dev.sparklamb.spark.train.TrainingLoop;
import dev.sparklamb.spark.train.TrainingProgress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.ToDoubleFunction;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * {@code tree} vs {@code sharded} all-reduce: step time and bytes per step (Spark's task metrics) for MLPs of about
 * 1M, 10M and 50M parameters with N executor JVMs ({@code local-cluster}), both modes measured in the same run. The
 * global batch is small (8 examples per partition) so that communication, not compute, is what is measured.
 *
 * <p>Arguments: executor counts (e.g. {@code 2,4}), hidden widths (e.g. {@code 700,2800,6700}), steps per run,
 * executor memory in MB.
 */
public final class AllReduceBench {

    public static void main(String[] args) throws Exception {
        int[] executors = ints(args.length > 0 ? args[0] : "2,4");
        int[] widths = ints(args.length > 1 ? args[1] : "700,2800,6700");
        int steps = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        int memory = args.length > 3 ? Integer.parseInt(args[3]) : 2200;
        List<String> rows = new ArrayList<>();
        rows.add("| parameters | N | all-reduce | step ms (median) | driver in KB | driver out KB | max executor in MB "
                + "| max executor out MB | ring bound MB | max executor / bound |");
        rows.add("|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|");
        for (int n : executors) {
            SparkSession spark = SparkSession.builder().master("local-cluster[" + n + ",1," + memory + "]")
                    .appName("spark-lamb all-reduce bench")
                    .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
                    .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
                    .config("spark.serializer", "org.apache.spark.serializer.KryoSerializer")
                    .config("spark.kryoserializer.buffer.max", "1g")
                    // local-cluster gives each worker `memory` MB, but executors still default to 1 GB of heap.
                    .config("spark.executor.memory", memory + "m")
                    .config("spark.task.maxDirectResultSize", "64m")
                    .config("spark.driver.maxResultSize", "6g")
                    // Executors on one machine would read each other's shuffle files from disk; on a real cluster
                    // (one executor per host) those bytes cross the network. Count them as such.
                    .config("spark.shuffle.readHostLocalDisk", "false")
                    .config("spark.executor.extraJavaOptions", System.getProperty("sparklamb.java17.flags", "")
                            + " -Dlog4j2.configurationFile=" + System.getProperty("log4j2.configurationFile", ""))
                    .getOrCreate();
            try {
                for (int width : widths) {
                    for (String mode : List.of("tree", "sharded")) {
                        rows.add(run(spark, n, width, mode, steps));
                        System.out.println(rows.get(rows.size() - 1));
                    }
                }
            } finally {
                spark.stop();
            }
        }
        System.out.println();
        rows.forEach(r -> System.out.println("RESULT " + r));
    }

    static String run(SparkSession spark, int n, int width, String mode, int steps) throws Exception {
        Path tmp = Files.createTempDirectory("spark-lamb-allreduce");
        Path model = tmp.resolve("mlp.json");
        Files.writeString(model, mlp(784, width, 10).toJson());
        int batch = 8 * n;
        RunConfig config = TestSpark.config(tmp.resolve("out"), "model.config-file=\"" + model.toUri() + "\"",
                "data.partitions=" + n, "training.global-batch=" + batch, "training.micro-batch=8", "training.epochs=1000",
                "training.max-steps=" + steps, "training.progress-every-seconds=1000", "training.all-reduce=" + mode);
        ModelSpec spec = ModelFactory.spec(config.model(), config.seed(), spark.sparkContext().hadoopConfiguration());
        DatasetReader reader = new DatasetReader(spark, config.data(), config.model().inputSize(), config.model().classes(), config.seed());
        CachedExamples data = reader.fromDataFrame(TestSpark.synthetic(Math.max(64, 2 * batch), 28, 3).frame(spark), "bench data");
        try {
            TrainingLoop loop = new TrainingLoop(JavaSparkContext.fromSparkContext(spark.sparkContext()), config, spec);
            BatchPlan plan = loop.plan(data);
            Optimizer optimizer = config.optimizer().create(plan.totalSteps(), plan.globalBatch()).create();
            Replica replica = spec.build();
            long params = replica.parameterCount();
            List<StepMetrics> h;
            try (StepEngine engine = loop.engine(data, replica.parameters(), optimizer, optimizer.init(loop.roles().optimized()))) {
                h = loop.run(data, Optional.empty(), engine, TrainingProgress.start(), (m, p, u) -> { });
            }
            for (StepMetrics m : h) {
                System.out.printf("STEP %s N=%d params=%d step %d: %.0f ms = distribute %.0f + compute %.0f + all-reduce %.0f + update %.0f%n",
                        mode, n, params, m.step(), m.stepMillis(), m.distributeMillis(), m.computeMillis(), m.allReduceMillis(), m.updateMillis());
            }
            List<StepMetrics> measured = h.subList(1, h.size()); // the first step includes the initial distribution
            double mb = 1e6;
            double bound = 2.0 * (n - 1) / n * 4 * params;
            double maxExec = median(measured, m -> Math.max(m.communication().maxExecutorIn(), m.communication().maxExecutorOut()));
            boolean complete = measured.stream().allMatch(m -> m.communication().complete());
            return String.format("| %,d | %d | %s | %.0f | %,.1f | %,.1f | %.1f | %.1f | %.1f | %.2f |%s", params, n, mode,
                    median(measured, StepMetrics::stepMillis),
                    median(measured, m -> m.communication().driverInBytes()) / 1e3,
                    median(measured, m -> m.communication().driverOutBytes()) / 1e3,
                    median(measured, m -> m.communication().maxExecutorIn()) / mb,
                    median(measured, m -> m.communication().maxExecutorOut()) / mb,
                    bound / mb, maxExec / bound, complete ? "" : " (listener events incomplete)");
        } finally {
            data.release();
        }
    }

    static MultiLayerConfiguration mlp(int in, int hidden, int out) {
        return new NeuralNetConfiguration.Builder().seed(7).weightInit(WeightInit.XAVIER).list()
                .layer(new DenseLayer.Builder().nIn(in).nOut(hidden).activation(Activation.RELU).build())
                .layer(new DenseLayer.Builder().nIn(hidden).nOut(hidden).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(hidden).nOut(out).activation(Activation.SOFTMAX).build())
                .build();
    }

    static double median(List<StepMetrics> metrics, ToDoubleFunction<StepMetrics> f) {
        double[] v = metrics.stream().mapToDouble(f).sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    static int[] ints(String csv) {
        return java.util.Arrays.stream(csv.split(",")).map(String::trim).mapToInt(Integer::parseInt).toArray();
    }
}
