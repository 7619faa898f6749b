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
 * ({@link #MODES}) take turns step by step (in an order that rotates every step) in the same run, on the same cached
 * data and executors. The
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
        // BENCH_COMPARE (bench/allreduce.sh): Spark settings "k=v,k=v" of a second session; rounds alternate the bench's own
        // session ("before") and one with these settings added ("after"), BENCH_ROUNDS times, for a before/after comparison
        // under the same machine load.
        String compare = System.getProperty("sparklamb.bench.compare", "");
        int rounds = compare.isBlank() ? 1 : Integer.parseInt(System.getProperty("sparklamb.bench.rounds", "2"));
        List<String> variants = compare.isBlank() ? List.of("") : List.of("", compare);
        for (int round = 1; round <= rounds; round++)
        for (String variant : variants)
        for (int n : executors) {
            String label = compare.isBlank() ? "" : (variant.isEmpty() ? "before" : "after") + " round " + round;
            SparkSession.Builder builder = localCluster(n, memory, "spark-lamb all-reduce bench")
                    .config("spark.driver.maxResultSize", "6g")
                    // Executors on one machine would read each other's shuffle files from disk; on a real cluster
                    // (one executor per host) those bytes cross the network. Count them as such.
                    .config("spark.shuffle.readHostLocalDisk", "false");
            for (String kv : variant.isEmpty() ? new String[0] : variant.split(",")) {
                builder.config(kv.substring(0, kv.indexOf('=')).trim(), kv.substring(kv.indexOf('=') + 1).trim());
            }
            SparkSession spark = builder.getOrCreate();
            if (!label.isEmpty()) {
                System.out.println("VARIANT " + label + ": " + (variant.isEmpty() ? "the bench's settings" : variant));
            }
            try {
                for (int width : widths) {
                    for (String row : runModes(spark, n, width, steps)) {
                        row = label.isEmpty() ? row : row + " " + label;
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

    /**
     * Steps of each mode left out of the medians (BENCH_WARMUP, default 1: the first step's initial distribution). The
     * JIT compilers of the driver and executor JVMs keep part of a core busy for the first ~150-200 steps of a session.
     */
    static final int WARM_UP = Integer.getInteger("sparklamb.bench.warmup", 1);

    static {
        MODES.put("tree", List.of("training.all-reduce=tree"));
        MODES.put("sharded", List.of("training.all-reduce=sharded"));
        MODES.put("sharded-2-jobs", List.of("training.all-reduce=sharded", "optimizer.max-gradient-norm=1e-20"));
        // BENCH_MODES (bench/allreduce.sh) keeps only the modes named, e.g. tree,sharded
        String only = System.getProperty("sparklamb.bench.modes", "");
        if (!only.isBlank()) {
            MODES.keySet().retainAll(List.of(only.split(",")));
        }
    }

    /** One mode's engine and what its steps measured. */
    static final class Run {
        final String mode;
        TrainingLoop loop;
        BatchPlan plan;
        StepEngine engine;
        final List<double[]> steps = new ArrayList<>(); // {step ms, driver in, driver out, max executor in, max executor out}
        final List<Communication> communication = new ArrayList<>();
        final List<double[]> latency = new ArrayList<>(); // LATENCY_COLUMNS, one-job steps only

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
        try (StepCounter counter = new StepCounter(spark.sparkContext()); StepTimeline timeline = new StepTimeline(spark.sparkContext())) {
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
                    // what every stage's task binary carries besides its closure: the cached blocks' lineage
                    System.out.printf("LINEAGE of the cached blocks: %,d bytes (Java serialization)%n", spark.sparkContext().env().closureSerializer()
                            .newInstance().serialize(data.blocks().rdd(), scala.reflect.ClassTag$.MODULE$.apply(Object.class)).remaining());
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
                // The order rotates every step: a mode's step can pay for the one before it (garbage, asynchronous
                // clean-up on the executors), so each mode follows each other mode equally often.
                for (int j = 0; j < runs.size(); j++) {
                    Run r = runs.get((j + step) % runs.size());
                    counter.clear();
                    timeline.clear();
                    long epochMinusNanos = System.currentTimeMillis() - System.nanoTime() / 1_000_000;
                    StepOutcome o = r.engine.step(step, r.plan);
                    Communication c = o.communication();
                    r.steps.add(new double[] {(o.updated() - o.start()) / 1e6, c.driverInBytes(), c.driverOutBytes(), c.maxExecutorIn(),
                            c.maxExecutorOut()});
                    r.communication.add(c);
                    int[] jobs = counter.counts().getOrDefault((long) step, new int[2]);
                    counts.computeIfAbsent(r.mode, k -> new LinkedHashMap<>()).put((long) step, jobs);
                    System.out.printf("STEP %s N=%d params=%d step %d: %.0f ms = distribute %.0f + job %.0f (load %.0f, compute %.0f) + update %.0f (%s), "
                            + "%d jobs, %d stages%n", r.mode, n, params, step + 1, r.steps.get(step)[0], (o.distributed() - o.start()) / 1e6,
                            (o.reduced() - o.distributed()) / 1e6, o.sum().loadNanos() / 1e6, o.sum().computeNanos() / 1e6, (o.updated() - o.reduced()) / 1e6, o.wasSkipped() ? "skipped" : "applied",
                            jobs[0], jobs[1]);
                    System.out.printf("STAGES %s step %d: %s%n", r.mode, step + 1, counter.stageTimes(step));
                    System.out.printf("LATENCY %s step %d: %s%n", r.mode, step + 1, latency(timeline.jobs(step), o, epochMinusNanos, r));
                }
            }
            for (Run r : runs) {
                if (r.latency.size() > 1) {
                    List<double[]> measured = r.latency.subList(Math.min(WARM_UP, r.latency.size() - 1), r.latency.size());
                    StringBuilder b = new StringBuilder("BREAKDOWN " + r.mode + " N=" + n + " params=" + params + " (median ms of steps "
                            + (WARM_UP + 1) + "-" + steps + "):");
                    for (int k = 0; k < LATENCY_COLUMNS.length; k++) {
                        b.append(String.format(" %s %.1f;", LATENCY_COLUMNS[k], median(measured, k)));
                    }
                    System.out.println(b);
                }
            }
            List<String> rows = new ArrayList<>();
            double treeMs = median(runs.get(0).steps.subList(WARM_UP, steps), 0);
            for (Run r : runs) {
                // the first step includes the initial distribution; BENCH_WARMUP leaves out the JIT compilers' busy steps
                List<double[]> measured = r.steps.subList(WARM_UP, steps);
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

    /**
     * A step's time line in ms from its start: the driver's broadcast, then per job its start, per stage the first task
     * launch and the last finish with the slowest task's executor times (deserialize incl. the task binary's broadcast
     * fetch, run, result serialization, GC) and the largest scheduler delay (launch message, result transfer and
     * deserialization on the driver), the job's end, and the driver's remainder. For the last task of a one-job step it
     * also records {@link Run#latency} columns: distribute, job start to first launch, deserialize, run minus load and
     * compute (parameter broadcast fetch, batch selection), load, compute, result serialization, scheduler delay, last
     * finish to job end, job end to reduced, update.
     */
    static String latency(List<StepTimeline.Job> jobs, StepOutcome o, long epochMinusNanos, Run r) {
        long t0 = o.start() / 1_000_000 + epochMinusNanos;
        StringBuilder b = new StringBuilder(String.format("distribute %d", (o.distributed() - o.start()) / 1_000_000));
        for (StepTimeline.Job j : jobs) {
            b.append(String.format(" | job +%d", j.start - t0));
            Map<Integer, List<StepTimeline.Task>> stages = new java.util.TreeMap<>();
            j.tasks.forEach(t -> stages.computeIfAbsent(t.stage(), k -> new ArrayList<>()).add(t));
            for (Map.Entry<Integer, List<StepTimeline.Task>> st : stages.entrySet()) {
                List<StepTimeline.Task> ts = st.getValue();
                StepTimeline.Task last = ts.stream().max(java.util.Comparator.comparingLong(StepTimeline.Task::finish)).orElseThrow();
                long firstLaunch = ts.stream().mapToLong(StepTimeline.Task::launch).min().orElseThrow();
                b.append(String.format(" [stage %d: launch +%d, last task %s: deser %d run %d ser %d gc %d delay %d, finish +%d; max delay %d]", st.getKey(),
                        firstLaunch - t0, last.executor(), last.deserialize(), last.run(), last.serialize(), last.gc(), last.schedulerDelay(),
                        last.finish() - t0, ts.stream().mapToLong(StepTimeline.Task::schedulerDelay).max().orElseThrow()));
            }
            b.append(String.format(" end +%d", j.end - t0));
        }
        long reduced = (o.reduced() - o.start()) / 1_000_000;
        b.append(String.format(" | reduced +%d, updated +%d", reduced, (o.updated() - o.start()) / 1_000_000));
        if (jobs.size() == 1 && !jobs.get(0).tasks.isEmpty()) {
            StepTimeline.Job j = jobs.get(0);
            StepTimeline.Task last = j.tasks.stream().max(java.util.Comparator.comparingLong(StepTimeline.Task::finish)).orElseThrow();
            long firstLaunch = j.tasks.stream().mapToLong(StepTimeline.Task::launch).min().orElseThrow();
            double load = o.sum().loadNanos() / 1e6;
            double compute = o.sum().computeNanos() / 1e6;
            r.latency.add(new double[] {(o.distributed() - o.start()) / 1e6, firstLaunch - j.start, last.deserialize(),
                last.run() - load - compute, load, compute, last.serialize(), last.schedulerDelay(), j.end - last.finish(),
                reduced - (j.end - t0), (o.updated() - o.reduced()) / 1e6, (o.updated() - o.start()) / 1e6 - compute});
        }
        return b.toString();
    }

    /** The columns of {@link Run#latency}. */
    static final String[] LATENCY_COLUMNS = {"distribute", "job start to launch", "task deserialize", "run - load - compute", "load",
        "compute", "result serialize", "scheduler delay", "last finish to job end", "job end to reduced", "update", "step - compute"};

    /**
     * The benches' {@code local-cluster[n,1,memory]} session settings: bound to 127.0.0.1, no UI, Kryo with room for large
     * results, executors with {@code memory} MB of heap, direct task results up to 64 MB (as the CLI sets), the Java 17
     * flags and the log configuration on the executors.
     */
    static SparkSession.Builder localCluster(int n, int memory, String name) {
        return SparkSession.builder().master("local-cluster[" + n + ",1," + memory + "]").appName(name)
                .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
                .config("spark.serializer", "org.apache.spark.serializer.KryoSerializer")
                .config("spark.kryoserializer.buffer.max", "1g")
                // local-cluster gives each worker `memory` MB, but executors still default to 1 GB of heap.
                .config("spark.executor.memory", memory + "m")
                .config("spark.task.maxDirectResultSize", "64m")
                .config("spark.executor.extraJavaOptions", System.getProperty("sparklamb.java17.flags", "")
                        + " -Dlog4j2.configurationFile=" + System.getProperty("log4j2.configurationFile", ""));
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
