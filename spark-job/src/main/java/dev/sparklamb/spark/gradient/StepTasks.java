package dev.sparklamb.spark.gradient;

import dev.sparklamb.spark.data.BatchPlan;
import dev.sparklamb.spark.data.ExampleBlock;
import dev.sparklamb.spark.model.ModelSpec;
import dev.sparklamb.spark.model.ParameterRoles;
import dev.sparklamb.spark.model.ReplicaPool;
import java.io.Serializable;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.broadcast.Broadcast;

/**
 * The per-partition gradient work both engines share: the executor-resident replica of {@code spec} loads the step's
 * parameters (skipped when it already holds that version) and sums the gradient of its partition's share.
 */
public final class StepTasks implements Serializable {

    private static final long serialVersionUID = 1L;

    private final ModelSpec spec;
    private final ParameterRoles roles;
    private final int microBatch;
    private final int classes;
    /** Masked-language-model masking for token data, else null. */
    private final TokenMasking masking;
    /** Random per loop, so replicas reused across runs in one JVM never mistake old parameters for current ones. */
    private final long runId = new java.util.Random().nextLong();

    public StepTasks(ModelSpec spec, ParameterRoles roles, int microBatch, int classes) {
        this(spec, roles, microBatch, classes, null);
    }

    /** @param masking BERT's masking for token data ({@code classes} is then the vocabulary size), null for other data */
    public StepTasks(ModelSpec spec, ParameterRoles roles, int microBatch, int classes, TokenMasking masking) {
        this.spec = spec;
        this.roles = roles;
        this.microBatch = microBatch;
        this.classes = classes;
        this.masking = masking;
    }

    public ParameterRoles roles() {
        return roles;
    }

    /** A number that identifies the parameters of step {@code step} (before its update) for this run. */
    public long version(long step) {
        return (runId + step) & Long.MAX_VALUE;
    }

    /** Gradient of partition {@code index}'s share of step {@code step}, from the given parameters. */
    public GradientPart gradient(int index, ExampleBlock block, float[] parameters, BatchPlan plan, long step) {
        return ReplicaPool.withReplica(spec, replica ->
                PartitionGradient.compute(index, replica, roles, block, parameters, version(step), plan, step, microBatch, classes,
                        masking));
    }

    public JavaRDD<GradientPart> gradients(JavaRDD<ExampleBlock> blocks, Broadcast<float[]> parameters, BatchPlan plan, long step) {
        return blocks.mapPartitionsWithIndex((index, it) -> {
            long start = System.nanoTime();
            float[] current = parameters.value(); // the broadcast's fetch (once per executor and step) counts as loading
            long fetched = System.nanoTime() - start;
            return List.of(gradient(index, firstOrEmpty(index, it), current, plan, step).plusLoad(fetched)).iterator();
        }, true);
    }

    public static ExampleBlock firstOrEmpty(int index, java.util.Iterator<ExampleBlock> it) {
        return it.hasNext() ? it.next() : new ExampleBlock(index, 0, new long[0], new float[0], new int[0]);
    }

    public void requireWholeBatch(long examples, BatchPlan plan, long step) {
        if (examples != plan.globalBatch()) {
            throw new IllegalStateException("step " + (step + 1) + ": the partitions contributed " + examples
                    + " examples, expected the global batch of " + plan.globalBatch());
        }
    }
}
