package dev.sparklamb.spark.bench.sweep;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.SparkSession;

/**
 * Runs a named subset of the issue #7 sweep, one run after another in one JVM and one {@code local[2]} Spark session,
 * writing {@code <results>/<run id>.json} per run and one progress line per run. Resumable: a run whose result file
 * exists is skipped; a failed run writes a result with {@code status: failed} (delete the file to retry it).
 *
 * <p>Arguments: {@code subset[,subset...] results-dir data-dir [git-commit]}.
 */
public final class SweepMain {

    static final long SEED = 12345;

    public static void main(String[] args) throws IOException {
        List<SweepRun> planned = new ArrayList<>();
        for (String name : args[0].split(",")) {
            planned.addAll(SweepPlan.subset(name));
        }
        ResultStore store = new ResultStore(Path.of(args[1]));
        Path dataRoot = Path.of(args[2]);
        String commit = args.length > 3 ? args[3] : "unknown";
        Path scratch = Files.createTempDirectory("spark-lamb-sweep");
        SparkSession spark = SparkSession.builder().master("local[2]").appName("spark-lamb sweep")
                .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
                .config("spark.serializer", "org.apache.spark.serializer.KryoSerializer")
                .config("spark.kryo.registrator", "org.nd4j.kryo.Nd4jRegistrator")
                .config("spark.task.maxDirectResultSize", "64m")
                .config("spark.kryoserializer.buffer.max", "1g")
                .getOrCreate();
        Map<String, DataFiles> data = new HashMap<>();
        String host = InetAddress.getLocalHost().getHostName() + ", " + Runtime.getRuntime().availableProcessors() + " cores";
        int index = 0;
        for (SweepRun cell : planned) {
            index++;
            // a grid whose best rate sits at an end grows first (GridChoice.extension), one batch-512 run at a time
            for (Optional<SweepRun> more = GridChoice.extension(store.readAll(), cell); more.isPresent();
                 more = GridChoice.extension(store.readAll(), cell)) {
                progress(index, planned.size(), more.get().id(), "the batch-512 grid's best rate is at its end: growing the grid");
                if (!execute(spark, more.get(), store, data, dataRoot, commit, host, scratch, index, planned.size())) {
                    return;
                }
            }
            Optional<SweepRun> resolved = GridChoice.resolve(store.readAll(), cell);
            if (resolved.isEmpty()) {
                progress(index, planned.size(), describe(cell), "SKIPPED: its batch-512 grid is incomplete or failed");
                continue;
            }
            SweepRun run = resolved.get();
            if (store.has(run)) {
                progress(index, planned.size(), run.id(), "done already");
                continue;
            }
            if (!execute(spark, run, store, data, dataRoot, commit, host, scratch, index, planned.size())) {
                return;
            }
        }
        spark.stop();
    }

    /** Runs one cell and writes its result; false when the Spark context was shut down (nothing written). */
    private static boolean execute(SparkSession spark, SweepRun run, ResultStore store, Map<String, DataFiles> data, Path dataRoot,
                                   String commit, String host, Path scratch, int index, int total) {
        DataFiles files = data.computeIfAbsent(run.dataset(), d -> DataFiles.of(spark, d, dataRoot));
        // the load average when the run starts goes with the result: timings made on a busy machine can be told apart
        RunContext context = new RunContext(commit, Instant.now().toString(), String.format(Locale.ROOT, "%s, load average %.2f at start",
                host, java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage()));
        RunResult result;
        try {
            result = run.trainer().equals(SweepRun.SPARK_LAMB)
                    ? SparkLambRun.run(spark, run, files, scratch.resolve(run.id()), context)
                    : Dl4jPeerRun.run(spark, run, files, context, SEED);
        } catch (RuntimeException | Error e) {
            if (spark.sparkContext().isStopped()) {
                progress(index, total, run.id(), "STOPPED: the Spark context was shut down (JVM stopping?); no result written");
                return false;
            }
            StringWriter trace = new StringWriter();
            e.printStackTrace(new PrintWriter(trace));
            result = new RunResult(run.id(), run, "failed", trace.toString(), Double.NaN, 0, 0, Double.NaN, Double.NaN,
                    Double.NaN, Double.NaN, Double.NaN, SweepPlan.TARGET.get(run.dataset()), null, List.of(), "",
                    commit, context.startedAt(), context.host());
        }
        store.write(result);
        progress(index, total, run.id(), summary(result));
        return true;
    }

    private static String describe(SweepRun r) {
        return r.dataset() + "-" + r.model() + "-" + r.trainer() + "-" + r.optimizer() + "-b" + r.globalBatch();
    }

    static String summary(RunResult r) {
        if (!r.succeeded()) {
            String first = r.error() == null ? "" : r.error().lines().findFirst().orElse("");
            return "FAILED: " + first;
        }
        return String.format(Locale.ROOT, "final %.2f%%, best %.2f%%, %d steps, train %.1f s (wall %.1f s), %.0f examples/s, "
                        + "to %.0f%%: %s", 100 * r.finalAccuracy(), 100 * r.bestAccuracy(), r.steps(), r.trainSeconds(), r.wallSeconds(),
                r.examplesPerSecond(), 100 * r.targetAccuracy(),
                r.secondsToTarget() == null ? "not reached" : String.format(Locale.ROOT, "%.1f s", r.secondsToTarget()));
    }

    private static void progress(int index, int total, String id, String text) {
        System.out.printf(Locale.ROOT, "SWEEP %s [%d/%d] %s: %s%n", Instant.now().toString().substring(11, 19), index, total, id, text);
        System.out.flush();
    }
}
