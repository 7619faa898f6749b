package dev.sparklamb.spark.output;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One console line at most every {@code everySeconds} (and always for the first and last step and after an
 * evaluation): step/total, epoch, loss, test accuracy when known, throughput and ETA.
 */
public final class ProgressLog {

    private static final Logger LOG = LoggerFactory.getLogger("dev.sparklamb.progress");

    private final long intervalNanos;
    private final long startNanos = System.nanoTime();
    private final int epochs;
    private long lastNanos = Long.MIN_VALUE;
    private long firstStep = -1;
    private Double lastAccuracy;
    private Double lastPerplexity;

    public ProgressLog(double everySeconds, int epochs) {
        this.intervalNanos = (long) (everySeconds * 1e9);
        this.epochs = epochs;
    }

    public void report(StepMetrics m) {
        long now = System.nanoTime();
        if (firstStep < 0) {
            firstStep = m.step() - 1;
        }
        boolean evaluated = m.testAccuracy() != null;
        if (evaluated) {
            lastAccuracy = m.testAccuracy();
        }
        boolean last = m.step() == m.totalSteps();
        if (!(m.step() == 1 || last || evaluated || lastNanos == Long.MIN_VALUE || now - lastNanos >= intervalNanos)) {
            return;
        }
        lastNanos = now;
        double elapsed = (now - startNanos) / 1e9;
        double eta = elapsed / (m.step() - firstStep) * (m.totalSteps() - m.step());
        if (m.testPerplexity() != null) {
            lastPerplexity = m.testPerplexity();
        }
        boolean sequence = m.sequence() != null;
        LOG.info(String.format("step %d/%d%s%s  epoch %d/%d  %s %.4f%s  lr %.3g  %.0f ex/s%s  elapsed %s  ETA %s",
                m.step(), m.totalSteps(), m.skipped() ? " (skipped: non-finite gradient)" : "",
                m.stage() == null ? "" : String.format("  stage %d", m.stage() + 1), m.epoch() + 1, epochs,
                sequence ? "MLM loss" : "loss", m.loss(),
                lastAccuracy == null ? "" : String.format(sequence ? "  test masked acc %.2f%%  ppl %.2f" : "  test acc %.2f%%",
                        100 * lastAccuracy, lastPerplexity),
                m.learningRate(), m.examplesPerSecond(), sequence ? String.format("  %.0f tok/s", m.sequence().tokensPerSecond()) : "",
                duration(elapsed), duration(eta)));
    }

    static String duration(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format("%dh%02dm", s / 3600, (s % 3600) / 60) : String.format("%dm%02ds", s / 60, s % 60);
    }
}
