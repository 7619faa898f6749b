package dev.sparklamb.spark.bench;

import dev.sparklamb.optim.Optimizer;
import dev.sparklamb.spark.StepCounter;
import dev.sparklamb.spark.TestSpark;
import dev.sparklamb.spark.allreduce.Communication;
import dev.sparklamb.spark.allreduce.StepEngine;
import dev.sparklamb.spark.allreduce.StepOutcome;
import dev.sparklamb.spark.config.RunConfig;
import dev.sparklamb.spark.data.BatchPlan;
import dev.sparklamb.spark.data.CachedExamples;
import dev.sparklamb.spark.data.DatasetReader;
import dev.sparklamb.spark.model.ModelFactory;
import dev.sparklamb.spark.model.ModelSpec;
import dev.sparklamb.spark.model.Replica;
import dev.sparklamb.spark.train.TrainingLoop;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
 * {@code tree} vs {@code sharded} all-reduce: step time, Spark jobs and stages, and bytes per step (Spark's task
 * metrics) for MLPs of about 1M, 10M and 50M parameters with N executor JVMs ({@code local-cluster}); the modes
 * ({@link #MODES}) take turns step by step in the same run, on the same cached data and executors. The
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
        rows.add("| parameters | N | all-reduce | step ms (median) | step / tree | jobs / stages per step | driver in KB | driver out KB "
                + "| max executor in MB | max executor out MB | ring bound MB | max executor / bound |");
        rows.add("|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
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
                    for (String row : runModes(spark, n, width, steps)) {
                        rows.add(row);
                        System.out.println(row);
                    }
                }
            } finally {
                spark.stop();
            }
        }
        System.out.println();
        rows.forEach(r -> System.out.println("RESULT " + r));
    }

    /**
     * The modes measured, each with the overrides that select it: {@code sharded-2-jobs} is the sharded step as it was
     * before it took one job (LAMB's trust-ratio norms in a second job), reached by clipping every step
     * ({@code max-gradient-norm} far below any gradient norm), which takes that path; it also runs one discarded
     * first pass on each owner.
     */
    static final Map<String, List<String>> MODES = new LinkedHashMap<>();

    static {
        MODES.put("tree", List.of("training.all-reduce=tree"));
        MODES.put("sharded", List.of("training.all-reduce=sharded"));
        MODES.put("sharded-2-jobs", List.of("training.all-reduce=sharded", "optimizer.max-gradient-norm=1e-20"));
    }

    /** One mode's engine and what its steps measured. */
    static final class Run {
        final String mode;
        TrainingLoop loop;
        BatchPlan plan;
        StepEngine engine;
        final List<double[]> steps = new ArrayList<>(); // {step ms, driver in, driver out, max executor in, max executor out}
        final List<Communication> communication = new ArrayList<>();

        Run(String mode) {
            this.mode = mode;
        }
    }

    /** Every mode on the same model, data and executors, taking turns step by step (same machine load). */
    static List<String> runModes(SparkSession spark, int n, int width, int steps) throws Exception {
        Path tmp = Files.createTempDirectory("spark-lamb-allreduce");
        Path model = tmp.resolve("mlp.json");
        Files.writeString(model, mlp(784, width, 10).toJson());
        int batch = 8 * n;
        List<Run> runs = new ArrayList<>();
        CachedExamples data = null;
        long params = 0;
        try (StepCounter counter = new StepCounter(spark.sparkContext())) {
            for (Map.Entry<String, List<String>> mode : MODES.entrySet()) {
                List<String> o = new ArrayList<>(List.of("model.config-file=\"" + model.toUri() + "\"", "data.partitions=" + n,
                        "training.global-batch=" + batch, "training.micro-batch=8", "training.epochs=1000", "training.max-steps=" + steps,
                        "training.progress-every-seconds=1000"));
                o.addAll(mode.getValue());
                RunConfig config = TestSpark.config(tmp.resolve(mode.getKey()), o.toArray(String[]::new));
                ModelSpec spec = ModelFactory.spec(config.model(), config.seed(), spark.sparkContext().hadoopConfiguration());
                if (data == null) {
                    DatasetReader reader = new DatasetReader(spark, config.data(), config.model().inputSize(), config.model().classes(),
                            config.seed());
                    data = reader.fromDataFrame(TestSpark.synthetic(Math.max(64, 2 * batch), 28, 3).frame(spark), "bench data");
                }
                Run r = new Run(mode.getKey());
                r.loop = new TrainingLoop(JavaSparkContext.fromSparkContext(spark.sparkContext()), config, spec);
                r.plan = r.loop.plan(data);
                Optimizer optimizer = config.optimizer().create(r.plan.totalSteps(), r.plan.globalBatch()).create();
                Replica replica = spec.build();
                params = replica.parameterCount();
                r.engine = r.loop.engine(data, replica.parameters(), optimizer, optimizer.init(r.loop.roles().optimized()));
                runs.add(r);
            }
            Map<String, Map<Long, int[]>> counts = new LinkedHashMap<>();
            for (int step = 0; step < steps; step++) {
                for (Run r : runs) {
                    counter.clear();
                    StepOutcome o = r.engine.step(step, r.plan);
                    Communication c = o.communication();
                    r.steps.add(new double[] {(o.updated() - o.start()) / 1e6, c.driverInBytes(), c.driverOutBytes(), c.maxExecutorIn(),
                            c.maxExecutorOut()});
                    r.communication.add(c);
                    int[] jobs = counter.counts().getOrDefault((long) step, new int[2]);
                    counts.computeIfAbsent(r.mode, k -> new LinkedHashMap<>()).put((long) step, jobs);
                    System.out.printf("STEP %s N=%d params=%d step %d: %.0f ms (%s), %d jobs, %d stages%n", r.mode, n, params, step + 1,
                            r.steps.get(step)[0], o.wasSkipped() ? "skipped" : "applied", jobs[0], jobs[1]);
                }
            }
            List<String> rows = new ArrayList<>();
            double treeMs = median(runs.get(0).steps.subList(1, steps), 0);
            for (Run r : runs) {
                List<double[]> measured = r.steps.subList(1, steps); // the first step includes the initial distribution
                double mb = 1e6;
                double bound = 2.0 * (n - 1) / n * 4 * params;
                double maxExec = Math.max(median(measured, 3), median(measured, 4));
                boolean complete = r.communication.stream().allMatch(Communication::complete);
                int[] last = counts.get(r.mode).get((long) steps - 1);
                rows.add(String.format("| %,d | %d | %s | %.0f | %.2f | %d / %d | %,.1f | %,.1f | %.1f | %.1f | %.1f | %.2f |%s", params, n,
                        r.mode, median(measured, 0), median(measured, 0) / treeMs, last[0], last[1], median(measured, 1) / 1e3,
                        median(measured, 2) / 1e3, median(measured, 3) / mb, median(measured, 4) / mb, bound / mb, maxExec / bound,
                        complete ? "" : " (listener events incomplete)"));
            }
            return rows;
        } finally {
            for (Run r : runs) {
                if (r.engine != null) {
                    r.engine.close();
                }
            }
            if (data != null) {
                data.release();
            }
        }
    }

    static MultiLayerConfiguration mlp(int in, int hidden, int out) {
        return new NeuralNetConfiguration.Builder().seed(7).weightInit(WeightInit.XAVIER).list()
                .layer(new DenseLayer.Builder().nIn(in).nOut(hidden).activation(Activation.RELU).build())
                .layer(new DenseLayer.Builder().nIn(hidden).nOut(hidden).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(hidden).nOut(out).activation(Activation.SOFTMAX).build())
                .build();
    }

    static double median(List<double[]> rows, int column) {
        double[] v = rows.stream().mapToDouble(r -> r[column]).sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    static int[] ints(String csv) {
        return java.util.Arrays.stream(csv.split(",")).map(String::trim).mapToInt(Integer::parseInt).toArray();
    }
}
