package dev.sparklamb.spark.bench.sweep;

import java.util.List;
import java.util.Locale;

/**
 * One cell of the sweep: which trainer trains which model on which data set, with which optimizer, global batch and
 * base learning rate, for how many epochs. {@link #id()} names its result file, so a finished run is never repeated.
 *
 * @param trainer      {@link #SPARK_LAMB} (our trainer) or one of the DL4J peers
 * @param baseLearningRate learning rate at batch 512 (our trainer: square-root scaled to the run's batch); NaN means
 *                     "the best point of this optimizer's batch-512 grid", resolved by {@link GridChoice}
 * @param variant      "" for the paper's recipe, else a short name for a changed recipe (its overrides follow)
 * @param overrides    extra {@code spark-lamb.*} configuration overrides of the variant
 */
public record SweepRun(String dataset, String model, String trainer, String optimizer, int globalBatch, double baseLearningRate,
                       int epochs, String variant, List<String> overrides) {

    public static final String SPARK_LAMB = "spark-lamb";
    public static final String DL4J_PARAM_AVG = "dl4j-paramavg";
    public static final String DL4J_SHARED = "dl4j-shared";
    public static final String DL4J_FIT = "dl4j-fit";

    public SweepRun {
        overrides = List.copyOf(overrides);
    }

    public static SweepRun ours(String dataset, String model, String optimizer, int batch, double lr, int epochs) {
        return new SweepRun(dataset, model, SPARK_LAMB, optimizer, batch, lr, epochs, "", List.of());
    }

    public boolean learningRateFromGrid() {
        return Double.isNaN(baseLearningRate);
    }

    public SweepRun withLearningRate(double lr) {
        return new SweepRun(dataset, model, trainer, optimizer, globalBatch, lr, epochs, variant, overrides);
    }

    public SweepRun withVariant(String name, List<String> extra) {
        return new SweepRun(dataset, model, trainer, optimizer, globalBatch, baseLearningRate, epochs, name, extra);
    }

    /** File-name-safe and unique per cell, e.g. {@code fashion-mlp-spark-lamb-lamb-b16384-lr0.005-e15}. */
    public String id() {
        if (learningRateFromGrid()) {
            throw new IllegalStateException("run " + this + " has no learning rate yet: resolve it from the grid first");
        }
        return String.format(Locale.ROOT, "%s-%s-%s-%s-b%d-lr%s-e%d%s", dataset, model, trainer, optimizer, globalBatch,
                trim(baseLearningRate), epochs, variant.isEmpty() ? "" : "-" + variant);
    }

    private static String trim(double v) {
        String s = String.format(Locale.ROOT, "%.6f", v);
        return s.replaceAll("0+$", "").replaceAll("\\.$", "");
    }
}
