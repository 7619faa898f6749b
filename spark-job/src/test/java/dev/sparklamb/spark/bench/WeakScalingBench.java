package dev.sparklamb.spark.bench;

import dev.sparklamb.optim.Optimizer;
import dev.sparklamb.spark.TestSpark;
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

/**
 * Weak scaling across executor JVMs: the {@code mlp} preset (784-512-256-10) with LAMB and the {@code tree} all-reduce on N
 * single-core executors ({@code local-cluster[N,1,memory]}), one partition per executor and a fixed number of examples
 * per executor per step, so the global batch is N times that. Rounds alternate the executor counts (one session each)
 * so that each count sees the same machine load; the step time's median over the steps after the warm-up is compared
 * with the first count's, per round.
 *
 * <p>Arguments: executor counts (e.g. {@code 1,2}), examples per executor per step, micro-batch, steps per session,
 * rounds, executor memory in MB, warm-up steps left out of the medians (default 1). The three JVMs' JIT compilers keep
 * a quarter of a core each busy for the first ~150-200 steps of a session (docs/benchmarks.md, "Weak scaling"), so a
 * short session measures that contention as much as Spark.
 */
public final class WeakScalingBench {

    public static void main(String[] args) throws Exception {
        int[] counts = AllReduceBench.ints(args.length > 0 ? args[0] : "1,2");
        int perExecutor = args.length > 1 ? Integer.parseInt(args[1]) : 1024;
        int micro = args.length > 2 ? Integer.parseInt(args[2]) : 512;
        int steps = args.length > 3 ? Integer.parseInt(args[3]) : 12;
        int rounds = args.length > 4 ? Integer.parseInt(args[4]) : 2;
        int memory = args.length > 5 ? Integer.parseInt(args[5]) : 2200;
        int warmUp = args.length > 6 ? Integer.parseInt(args[6]) : 1;
        if (warmUp >= steps) {
            throw new IllegalArgumentException("warm-up steps (" + warmUp + ") must be fewer than the steps per session (" + steps + ")");
        }
        Map<Integer, List<Double>> medians = new LinkedHashMap<>();
        List<String> rows = new ArrayList<>();
        System.out.printf("medians over steps %d-%d of each session%n", warmUp + 1, steps);
        rows.add("| round | N | global batch | step ms (median) | compute ms (median) | step - compute ms | step / step at N = " + counts[0] + " |");
        rows.add("|---:|---:|---:|---:|---:|---:|---:|");
        for (int round = 1; round <= rounds; round++) {
            double first = Double.NaN;
            for (int n : counts) {
                double[] m = run(n, perExecutor, micro, steps, memory, warmUp);
                if (Double.isNaN(first)) {
                    first = m[0];
                }
                medians.computeIfAbsent(n, k -> new ArrayList<>()).add(m[0]);
                String row = String.format("| %d | %d | %d | %.0f | %.0f | %.0f | %.2f |", round, n, n * perExecutor, m[0], m[1], m[0] - m[1],
                        m[0] / first);
                rows.add(row);
                System.out.println(row + " load average " + loadAverage());
            }
        }
        System.out.println();
        rows.forEach(r -> System.out.println("RESULT " + r));
        medians.forEach((n, v) -> System.out.println("RESULT N=" + n + " step medians per round: " + v));
    }

    /** {median step ms, median compute ms} of the steps after {@code warmUp} of one session with {@code n} executors. */
    static double[] run(int n, int perExecutor, int micro, int steps, int memory, int warmUp) throws Exception {
        SparkSession spark = AllReduceBench.localCluster(n, memory, "spark-lamb weak scaling bench")
                .config("spark.executorEnv.OMP_NUM_THREADS", "1").getOrCreate();
        Path tmp = Files.createTempDirectory("spark-lamb-weak-scaling");
        CachedExamples data = null;
        StepEngine engine = null;
        try {
            int batch = n * perExecutor;
            RunConfig config = TestSpark.config(tmp.resolve("run"), "data.partitions=" + n, "model.input-height=28", "model.input-width=28",
                    "training.global-batch=" + batch, "training.micro-batch=" + micro, "training.epochs=1000", "training.max-steps=" + steps,
                    "training.progress-every-seconds=1000");
            ModelSpec spec = ModelFactory.spec(config.model(), config.seed(), spark.sparkContext().hadoopConfiguration());
            DatasetReader reader = new DatasetReader(spark, config.data(), config.model().inputSize(), config.model().classes(), config.seed());
            // two steps' worth of examples per epoch: every step selects from the same amount of cached data per executor
            data = reader.fromDataFrame(TestSpark.synthetic(2 * batch, 28, 3).frame(spark), "bench data");
            TrainingLoop loop = new TrainingLoop(JavaSparkContext.fromSparkContext(spark.sparkContext()), config, spec);
            BatchPlan plan = loop.plan(data);
            Optimizer optimizer = config.optimizer().create(plan.totalSteps(), plan.globalBatch()).create();
            Replica replica = spec.build();
            engine = loop.engine(data, replica.parameters(), optimizer, optimizer.init(loop.roles().optimized()));
            List<double[]> times = new ArrayList<>();
            for (int step = 0; step < steps; step++) {
                StepOutcome o = engine.step(step, plan);
                double ms = (o.updated() - o.start()) / 1e6;
                double compute = o.sum().computeNanos() / 1e6;
                times.add(new double[] {ms, compute});
                System.out.printf("STEP N=%d global batch %d step %d: %.0f ms (compute %.0f, load %.0f)%n", n, batch, step + 1, ms, compute,
                        o.sum().loadNanos() / 1e6);
            }
            List<double[]> measured = times.subList(warmUp, times.size());
            return new double[] {AllReduceBench.median(measured, 0), AllReduceBench.median(measured, 1)};
        } finally {
            if (engine != null) {
                engine.close();
            }
            if (data != null) {
                data.release();
            }
            spark.stop();
        }
    }

    static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (java.io.IOException e) {
            return "unknown";
        }
    }
}
