package dev.sparklamb.spark.data.text;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.spark.SparkContext;
import org.apache.spark.util.LongAccumulator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Progress lines of a long import: at most every {@code everySeconds}, the phase, documents and megabytes done out of
 * the phase's total, documents/s and MB/s, elapsed time and ETA. Tasks add to two accumulators, which Spark merges on
 * the driver as tasks finish, so the counts move in steps of one partition.
 */
final class ImportProgress implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ImportProgress.class);

    final LongAccumulator documents;
    final LongAccumulator bytes;
    private final ScheduledExecutorService timer;
    private volatile Phase phase;

    private record Phase(String name, long documents, long bytes, long startNanos, long documentsBefore, long bytesBefore) {
    }

    ImportProgress(SparkContext sc, double everySeconds) {
        this.documents = sc.longAccumulator("spark-lamb import-text documents");
        this.bytes = sc.longAccumulator("spark-lamb import-text bytes");
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "import-text progress");
            t.setDaemon(true);
            return t;
        });
        long period = Math.max(1, Math.round(everySeconds * 1000));
        timer.scheduleAtFixedRate(this::report, period, period, TimeUnit.MILLISECONDS);
    }

    /** Starts a phase that reads {@code docs} documents of {@code total} bytes. */
    void start(String name, long docs, long total) {
        phase = new Phase(name, docs, total, System.nanoTime(), documents.value(), bytes.value());
        LOG.info(String.format("%s: %d documents, %.1f MB", name, docs, total / 1e6));
    }

    /** Logs the finished phase's totals and rates. */
    void finish() {
        Phase p = phase;
        phase = null;
        if (p != null) {
            LOG.info(line(p, "done"));
        }
    }

    private void report() {
        Phase p = phase;
        if (p != null) {
            LOG.info(line(p, null));
        }
    }

    private String line(Phase p, String done) {
        double seconds = Math.max(1e-9, (System.nanoTime() - p.startNanos()) / 1e9);
        long d = documents.value() - p.documentsBefore();
        long b = bytes.value() - p.bytesBefore();
        String eta = done != null ? done + " in " + duration(seconds)
                : b > 0 ? "elapsed " + duration(seconds) + "  ETA " + duration(seconds / b * (p.bytes() - b)) : "elapsed " + duration(seconds);
        return String.format("%s: %d/%d documents, %.1f/%.1f MB, %.1f documents/s, %.2f MB/s, %s", p.name(), d, p.documents(), b / 1e6,
                p.bytes() / 1e6, d / seconds, b / 1e6 / seconds, eta);
    }

    static String duration(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format("%dh%02dm", s / 3600, (s % 3600) / 60) : String.format("%dm%02ds", s / 60, s % 60);
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
