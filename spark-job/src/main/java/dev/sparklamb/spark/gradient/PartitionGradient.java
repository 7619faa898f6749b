package dev.sparklamb.spark.gradient;

import dev.sparklamb.spark.data.BatchPlan;
import dev.sparklamb.spark.data.BatchShare;
import dev.sparklamb.spark.data.ExampleBlock;
import dev.sparklamb.spark.model.ParameterRoles;
import dev.sparklamb.spark.model.Replica;
import dev.sparklamb.spark.model.dropout.DropoutContext;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One partition's work in one step: load the step's parameters into the replica, pick the partition's share of the
 * global batch, and sum the gradient over it in micro-batches of at most {@code microBatch} examples.
 */
public final class PartitionGradient {

    private PartitionGradient() {
    }

    /**
     * The summed gradient of the optimized tensors over the partition's share (frozen tensors leave nothing), plus the
     * example-weighted running statistics of batch normalization ({@link dev.sparklamb.spark.model.RunningStatistics#add}).
     *
     * @param parameters the full parameter vector of the step
     */
    public static GradientPart compute(int index, Replica replica, ParameterRoles roles, ExampleBlock block, float[] parameters,
                                       long parameterVersion, BatchPlan plan, long step, int microBatch, int classes) {
        return compute(index, replica, roles, block, parameters, parameterVersion, plan, step, microBatch, classes, null);
    }

    /**
     * As above; for a token block, {@code masking} draws the step's masked-language-model batch (epoch {@code plan.epochOf(step)}):
     * the gradient and loss are summed over the chosen tokens, and the part's {@link GradientPart#lossCount()} is their number.
     * A labelled sequence block ({@link ExampleBlock#ofSequences}) gives its micro-batches with their masks, and the loss
     * count is the number of steps whose labels mask is 1.
     */
    public static GradientPart compute(int index, Replica replica, ParameterRoles roles, ExampleBlock block, float[] parameters,
                                       long parameterVersion, BatchPlan plan, long step, int microBatch, int classes,
                                       TokenMasking masking) {
        if (block.isTokens() && masking == null) {
            throw new IllegalStateException("token data needs a masking (spark-lamb.data.format = tokens)");
        }
        long t0 = System.nanoTime();
        replica.setParameters(parameters, parameterVersion);
        long t1 = System.nanoTime();
        int[] rows = BatchShare.rows(block, plan.permutation(plan.epochOf(step)), plan.firstPosition(step), plan.globalBatch());
        float[] gradient = new float[roles.optimizedLength()];
        float[] statistics = new float[roles.statisticsLength()];
        float[] full = new float[parameters.length];
        double loss = 0;
        long lossCount = 0;
        long tokens = 0;
        int[] bounds = passBounds(rows.length, microBatch, roles.hasStatistics());
        for (int pass = 0; pass + 1 < bounds.length; pass++) {
            int from = bounds[pass];
            int count = bounds[pass + 1] - from;
            long[] ids = new long[count];
            for (int i = 0; i < count; i++) {
                ids[i] = block.id(rows[from + i]);
            }
            // Dropout masks are keyed by (seed, step, example id, layer, element): independent of partitions and micro-batches.
            try (DropoutContext.Scope scope = DropoutContext.open(plan.seed(), step, ids)) {
                if (block.isTokens() || block.isSequences()) {
                    SequenceBatch b = block.isTokens() ? SequenceBatch.of(block, rows, from, count, masking, plan.epochOf(step))
                            : SequenceBatch.labeled(block, rows, from, count, classes);
                    loss += replica.gradient(b.features(), b.featureMask(), b.labels(), b.labelMask(), full);
                    lossCount += b.maskedTokens();
                    tokens += b.realTokens();
                } else {
                    INDArray[] batch = batch(block, rows, from, count, classes);
                    loss += replica.gradient(batch[0], batch[1], full);
                    lossCount += count;
                }
            }
            roles.addOptimized(full, gradient);
            if (roles.hasStatistics()) {
                roles.statistics().add(parameters, full, count, statistics);
            }
        }
        long t2 = System.nanoTime();
        return new GradientPart(index, gradient, statistics, loss, rows.length, lossCount, tokens, t2 - t1, t1 - t0);
    }

    /**
     * Where the forward/backward passes over a share of {@code n} rows start (and, last, {@code n}): chunks of
     * {@code size} rows (the last one smaller) — or, with batch normalization, where every pass is a normalisation
     * group, the fewest passes of at most {@code size} rows, of sizes that differ by at most one, so that no group is
     * left with a handful of examples.
     */
    static int[] passBounds(int n, int size, boolean balanced) {
        int passes = (n + size - 1) / size;
        int[] bounds = new int[passes + 1];
        for (int k = 0; k <= passes; k++) {
            bounds[k] = balanced ? (int) ((long) k * n / passes) : Math.min(k * size, n);
        }
        return bounds;
    }

    /** Features {@code [count, featureCount]} and one-hot labels {@code [count, classes]} of the given rows. */
    public static INDArray[] batch(ExampleBlock block, int[] rows, int from, int count, int classes) {
        float[] x = new float[count * block.featureCount()];
        block.gatherFeatures(rows, from, count, x);
        float[] y = new float[count * classes];
        for (int i = 0; i < count; i++) {
            y[i * classes + block.label(rows[from + i])] = 1f;
        }
        return new INDArray[] {
            Nd4j.createFromArray(x).reshape(count, block.featureCount()),
            Nd4j.createFromArray(y).reshape(count, classes)
        };
    }
}
