package dev.sparklamb.spark.allreduce.sharded;

import dev.sparklamb.optim.Coefficients;
import dev.sparklamb.optim.InvalidGradientException;
import dev.sparklamb.optim.Optimizer;
import dev.sparklamb.optim.OptimizerState;
import dev.sparklamb.optim.ShardPlan;
import dev.sparklamb.optim.ShardedStep;
import dev.sparklamb.optim.TensorLayout;
import dev.sparklamb.optim.UnclippedCoefficients;
import dev.sparklamb.spark.allreduce.CommunicationMeter;
import dev.sparklamb.spark.allreduce.StepEngine;
import dev.sparklamb.spark.allreduce.StepOutcome;
import dev.sparklamb.spark.data.BatchPlan;
import dev.sparklamb.spark.data.CachedExamples;
import dev.sparklamb.spark.gradient.GradientPart;
import dev.sparklamb.spark.gradient.StepTasks;
import dev.sparklamb.spark.model.ParameterRoles;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.SparkException;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple2;

/**
 * {@code all-reduce = sharded}: reduce-scatter, per-shard optimizer update, all-gather, all through Spark's shuffle.
 *
 * <p>The state is an RDD of {@link ShardPlan#shards()} partitions, one {@link Shard} each (parameters and optimizer
 * moments of one slice of the model), cached where it was computed and locally checkpointed every step (so the lineage
 * never grows). One step is one Spark job of three stages, for every optimizer (LAMB and LARS take a second job only
 * on a step whose gradient is clipped):
 * <ol>
 *   <li>all-gather: each shard task sends its parameter slice to every partition (shuffle);</li>
 *   <li>each partition assembles the parameters, loads them into its resident replica and sums its share's gradient,
 *       then sends slice {@code s} of it to the owner of shard {@code s} (shuffle: the reduce-scatter);</li>
 *   <li>the owner sums its shard over all partitions in the fixed tree order of {@code all-reduce-fan-in} and reports
 *       per-chunk sums of squares to the driver, which checks them and computes the step's coefficients; for LAMB and
 *       LARS the owner also runs the first pass of the update (moments, per-chunk norms of {@code w} and {@code u})
 *       with the coefficients of an unclipped step and reports those norms too, so the driver computes the per-tensor
 *       trust ratios at once (a clipped step runs the first pass again with its real coefficients, in a second job).
 *       Those coefficients are made by the owner for the step's gradient scale, 1 / the loss divisor it has just summed
 *       (the global batch, or for token data the masked tokens of all partitions, which no one knows before the
 *       reduce), so token steps are one job too;</li>
 *   <li>in the first stage of the next step's job, the owner updates its moments and parameters ({@link ShardedStep})
 *       with the driver's coefficients and trust ratios.</li>
 * </ol>
 * The phases are {@link AllGather}, {@link ReduceScatter} and {@link OwnerUpdate}; the state between steps is an RDD of
 * {@link Shard}s. The driver never holds the parameters or moments during training (only when a checkpoint, an evaluation or the
 * final model asks for them), and the result is bitwise the same as the tree engine ({@code all-reduce = tree}).
 */
public final class ShardedEngine implements StepEngine {

    private static final Logger LOG = LoggerFactory.getLogger(ShardedEngine.class);

    private final JavaSparkContext jsc;
    private final StepTasks tasks;
    private final CachedExamples train;
    private final ShardPlan shardPlan;
    private final ShardedStep sharded;
    private final int fanIn;
    private final CommunicationMeter meter;
    private final ParameterRoles roles;
    /**
     * The full parameter vector as far as the driver keeps it: frozen tensors and batch normalization's running
     * statistics (updated every step); the optimized tensors' places are stale (they live in the shards).
     */
    private float[] fixed;
    /** {@link #fixed} as the partitions see it; re-broadcast only when the statistics change. */
    private Broadcast<float[]> fixedBroadcast;
    private long completedSteps;
    /** Parameters and moments after the last applied step; may not be computed yet (it is at the next action). */
    private JavaRDD<Shard> current;
    /** Cached RDDs that {@link #current} is computed from: released once it has been computed. */
    private final List<JavaRDD<?>> releaseWhenCurrentComputed = new ArrayList<>();
    private float[] parametersCache;
    /** The initial shards, until the first step has cached them on the executors. */
    private final List<Broadcast<Shard>> initialShards = new ArrayList<>();
    private OptimizerState stateCache;
    /** Broadcasts of earlier {@link #fixed} vectors, destroyed once the current shards are computed. */
    private final List<Broadcast<float[]>> oldBroadcasts = new ArrayList<>();

    /**
     * @param parameters the full parameter vector (every tensor); the shards hold the optimized tensors
     *                   ({@link ParameterRoles#optimized()}), the driver the rest
     */
    public ShardedEngine(JavaSparkContext jsc, StepTasks tasks, CachedExamples train, float[] parameters, Optimizer optimizer,
                  OptimizerState state, int shards, int fanIn, CommunicationMeter meter) {
        this.jsc = jsc;
        this.tasks = tasks;
        this.train = train;
        this.roles = tasks.roles();
        this.fixed = parameters.clone();
        this.fixedBroadcast = jsc.broadcast(fixed);
        float[] optimized = roles.gatherOptimized(parameters);
        this.shardPlan = ShardPlan.of(roles.optimized(), shards);
        this.sharded = ShardedStep.of(optimizer, shardPlan);
        this.fanIn = fanIn;
        this.meter = meter;
        sharded.requireCompatible(state);
        this.completedSteps = state.step();
        // One broadcast per shard: each executor fetches only the shards it will own, and no task description carries
        // model-sized data (Spark caps those at spark.rpc.message.maxSize). Destroyed once the shards are cached.
        for (int s = 0; s < shardPlan.shards(); s++) {
            initialShards.add(jsc.broadcast(new Shard(s, shardPlan.slice(optimized, s), sharded.momentSlice(state, s, false),
                    sharded.hasSecondMoment() ? sharded.momentSlice(state, s, true) : null)));
        }
        List<Broadcast<Shard>> initial = List.copyOf(initialShards);
        this.current = jsc.parallelize(java.util.stream.IntStream.range(0, shardPlan.shards()).boxed().toList(), shardPlan.shards())
                .map(s -> initial.get(s).value());
        current.rdd().localCheckpoint();
        if (shards != shardPlan.shards()) {
            LOG.warn("spark-lamb.training.shards: {} shards requested, but the model has only {} chunks of {} parameters; using {}",
                    shards, shardPlan.chunkCount(), dev.sparklamb.optim.kernel.ChunkPlan.CHUNK, shardPlan.shards());
        }
        LOG.info("sharded all-reduce: {}", shardPlan);
    }

    @Override
    public StepOutcome step(long step, BatchPlan plan) {
        try {
            return run(step, plan);
        } catch (Exception e) { // Spark's checked SparkException arrives undeclared from Scala code
            if ((e instanceof SparkException || e.getCause() instanceof SparkException) && lostShards(e)) {
                throw new IllegalStateException("step " + (step + 1) + " failed in the sharded all-reduce: " + e.getMessage()
                        + "\nThe sharded all-reduce keeps optimizer moments only on the executors, so a lost executor ends the run;"
                        + " re-run with --resume to continue from the last checkpoint, or use spark-lamb.training.all-reduce = tree,"
                        + " which survives executor loss.", e);
            }
            if (e instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(e);
        }
    }

    /** Whether {@code e} says a cached shard (a locally checkpointed block) is gone with its executor. */
    private static boolean lostShards(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (String.valueOf(t.getMessage()).contains("Checkpoint block")) {
                return true;
            }
        }
        return false;
    }

    /** One step: the four phases of the class comment, then the driver's bookkeeping. */
    private StepOutcome run(long step, BatchPlan plan) {
        long start = System.nanoTime();
        String tag = meter.begin(step);
        JavaRDD<Shard> cur = current;
        int partitions = train.partitions();
        JavaPairRDD<Integer, ParameterSlice> gathered = AllGather.toPartitions(cur, partitions);
        JavaPairRDD<Integer, GradientPart> slices = ReduceScatter.gradientSlices(train.blocks(), gathered, shardPlan, tasks, roles,
                fixedBroadcast, plan, step);
        // The owners' first pass needs the step's gradient scale, 1 / its loss divisor: the global batch for classification,
        // the masked tokens of all partitions for token data, known only once an owner has summed the slices. So the owners
        // get coefficients for a scale to be filled in, and each fills in the divisor it has summed.
        UnclippedCoefficients unclipped = sharded.needsNormRound() ? sharded.unclipped(completedSteps) : null;
        JavaRDD<ReducedShard> reduced = ReduceScatter.ownerSums(cur, slices, partitions, fanIn, shardPlan, roles, unclipped);
        reduced.rdd().localCheckpoint();
        long distributed = System.nanoTime();
        List<ReduceReport> reports = ReduceScatter.reports(reduced);
        currentComputed();
        long reducedAt = System.nanoTime();
        GradientPart totals = reports.stream().filter(r -> r.report.shard() == 0).findFirst().orElseThrow().scalars;
        tasks.requireWholeBatch(totals.examples(), plan, step);
        double lr = sharded.learningRate(completedSteps);
        Coefficients k;
        float[] nextFixed = null;
        try {
            if (roles.hasStatistics()) {
                nextFixed = fixed.clone();
                roles.statistics().apply(totals.statistics(), plan.globalBatch(), nextFixed);
                roles.statistics().requireFinite(nextFixed);
            }
            k = sharded.coefficients(reports.stream().map(r -> r.report).toList(), 1.0 / totals.lossDivisor(), completedSteps);
        } catch (InvalidGradientException e) {
            reduced.unpersist(false);
            meter.end();
            return new StepOutcome(totals, null, e, lr, start, distributed, reducedAt, System.nanoTime(), meter.collect(tag, 0));
        }
        // The coefficients every owner's first pass ran with: each summed the same loss counts as shard 0's totals.
        Coefficients firstPass = unclipped == null ? null : unclipped.forScale(1.0 / totals.lossDivisor());
        OwnerUpdate.Next next = OwnerUpdate.apply(sharded, k, firstPass, reports, shardPlan, reduced);
        releaseWhenCurrentComputed.add(next.computedFrom());
        meter.end();
        if (nextFixed != null) {
            fixed = nextFixed;
            Broadcast<float[]> old = fixedBroadcast;
            oldBroadcasts.add(old);
            fixedBroadcast = jsc.broadcast(fixed);
        }
        next.shards().rdd().localCheckpoint();
        cur.unpersist(false);
        current = next.shards();
        completedSteps++;
        parametersCache = null;
        stateCache = null;
        return new StepOutcome(totals, next.result(), null, lr, start, distributed, reducedAt, System.nanoTime(), meter.collect(tag, 0));
    }

    /** {@link #current} has been computed (and cached) by the last action: what it was computed from can go. */
    private void currentComputed() {
        releaseWhenCurrentComputed.forEach(r -> r.unpersist(false));
        releaseWhenCurrentComputed.clear();
        initialShards.forEach(b -> b.destroy());
        initialShards.clear();
        oldBroadcasts.forEach(b -> b.destroy());
        oldBroadcasts.clear();
    }

    @Override
    public float[] parameters() {
        if (parametersCache == null) {
            float[] flat = new float[Math.toIntExact(shardPlan.layout().totalLength())];
            ShardPlan sp = shardPlan;
            for (Tuple2<Integer, float[]> t : current.map(sh -> new Tuple2<>(sh.shard, sh.w)).collect()) {
                System.arraycopy(t._2(), 0, flat, Math.toIntExact(sp.flatFrom(t._1())), t._2().length);
            }
            currentComputed();
            float[] all = fixed.clone();
            roles.scatterOptimized(flat, all);
            parametersCache = all;
        }
        return parametersCache.clone();
    }

    @Override
    public OptimizerState state() {
        if (stateCache == null) {
            // One array kind per job, so no task result is larger than one shard's slice.
            float[][] m = collectSlices(false);
            float[][] v = sharded.hasSecondMoment() ? collectSlices(true) : null;
            stateCache = sharded.assemble(completedSteps, m, v);
        }
        return stateCache;
    }

    private float[][] collectSlices(boolean second) {
        float[][] out = new float[shardPlan.shards()][];
        for (Tuple2<Integer, float[]> t : current.map(sh -> new Tuple2<>(sh.shard, second ? sh.v : sh.m)).collect()) {
            out[t._1()] = t._2();
        }
        currentComputed();
        return out;
    }

    @Override
    public double learningRate() {
        return sharded.learningRate(completedSteps);
    }

    @Override
    public TensorLayout layout() {
        return roles.full();
    }

    @Override
    public void close() {
        currentComputed();
        current.unpersist(false);
        fixedBroadcast.destroy();
        parametersCache = null;
        stateCache = null;
        meter.close();
    }
}
