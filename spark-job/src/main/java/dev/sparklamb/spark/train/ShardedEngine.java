package dev.sparklamb.spark.train;

import dev.sparklamb.optim.Coefficients;
import dev.sparklamb.optim.GradientReport;
import dev.sparklamb.optim.InvalidGradientException;
import dev.sparklamb.optim.NormReport;
import dev.sparklamb.optim.Optimizer;
import dev.sparklamb.optim.OptimizerState;
import dev.sparklamb.optim.ShardPlan;
import dev.sparklamb.optim.ShardUpdate;
import dev.sparklamb.optim.ShardedStep;
import dev.sparklamb.optim.StepResult;
import dev.sparklamb.optim.StepSizes;
import dev.sparklamb.optim.TensorLayout;
import dev.sparklamb.spark.data.BatchPlan;
import dev.sparklamb.spark.data.CachedExamples;
import dev.sparklamb.spark.data.ExampleBlock;
import dev.sparklamb.spark.metrics.CommunicationMeter;
import dev.sparklamb.spark.model.ParameterRoles;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.HashPartitioner;
import org.apache.spark.SparkException;
import org.apache.spark.TaskContext;
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
 * never grows). One step is one Spark job (two for LAMB and LARS, whose trust ratios need per-chunk sums of squares
 * from every shard first):
 * <ol>
 *   <li>all-gather: each shard task sends its parameter slice to every partition (shuffle);</li>
 *   <li>each partition assembles the parameters, loads them into its resident replica and sums its share's gradient,
 *       then sends slice {@code s} of it to the owner of shard {@code s} (shuffle: the reduce-scatter);</li>
 *   <li>the owner sums its shard over all partitions in the fixed tree order of {@code all-reduce-fan-in} and reports
 *       per-chunk sums of squares to the driver, which checks them and computes the step's coefficients;</li>
 *   <li>the owner updates its moments and parameters ({@link ShardedStep}); LAMB and LARS report per-chunk norms
 *       first and apply the driver's per-tensor trust ratios after.</li>
 * </ol>
 * The driver never holds the parameters or moments during training (only when a checkpoint, an evaluation or the
 * final model asks for them), and the result is bitwise the same as {@link TreeEngine}.
 */
final class ShardedEngine implements StepEngine {

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

    /** One shard's parameters and optimizer moments ({@code v} null for LARS). Never modified once built. */
    static final class Shard implements Serializable {
        private static final long serialVersionUID = 1L;
        final int shard;
        final float[] w;
        final float[] m;
        final float[] v;

        Shard(int shard, float[] w, float[] m, float[] v) {
            this.shard = shard;
            this.w = w;
            this.m = m;
            this.v = v;
        }
    }

    /** A shard with its summed gradient of the step (and the summed loss, examples and timings). */
    static final class Reduced implements Serializable {
        private static final long serialVersionUID = 1L;
        final Shard shard;
        final GradientPart sum;
        final GradientReport report;

        Reduced(Shard shard, GradientPart sum, GradientReport report) {
            this.shard = shard;
            this.sum = sum;
            this.report = report;
        }
    }

    /** What the driver receives after the reduce-scatter: no arrays of model size. */
    static final class ReduceReport implements Serializable {
        private static final long serialVersionUID = 1L;
        final GradientPart scalars;
        final GradientReport report;

        ReduceReport(GradientPart scalars, GradientReport report) {
            this.scalars = scalars;
            this.report = report;
        }
    }

    /** A shard with updated moments and its per-chunk norms, before the trust-ratio pass (LAMB, LARS). */
    static final class Updated implements Serializable {
        private static final long serialVersionUID = 1L;
        final Shard shard;
        final NormReport norms;

        Updated(Shard shard, NormReport norms) {
            this.shard = shard;
            this.norms = norms;
        }
    }

    /** One shard's parameter slice on its way to a partition. */
    static final class ParameterSlice implements Serializable {
        private static final long serialVersionUID = 1L;
        final int shard;
        final float[] values;

        ParameterSlice(int shard, float[] values) {
            this.shard = shard;
            this.values = values;
        }
    }

    /**
     * @param parameters the full parameter vector (every tensor); the shards hold the optimized tensors
     *                   ({@link ParameterRoles#optimized()}), the driver the rest
     */
    ShardedEngine(JavaSparkContext jsc, StepTasks tasks, CachedExamples train, float[] parameters, Optimizer optimizer,
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

    private StepOutcome run(long step, BatchPlan plan) {
        long start = System.nanoTime();
        String tag = meter.begin(step);
        JavaRDD<Shard> cur = current;
        ShardPlan sp = shardPlan;
        int partitions = train.partitions();
        int shards = sp.shards();
        int f = fanIn;
        StepTasks tk = tasks;
        ParameterRoles rl = roles;
        Broadcast<float[]> base = fixedBroadcast;
        long total = sp.layout().totalLength();
        long batch = plan.globalBatch();

        // All-gather: every partition receives every shard's parameter slice.
        JavaPairRDD<Integer, ParameterSlice> gathered = cur
                .flatMapToPair(sh -> {
                    List<Tuple2<Integer, ParameterSlice>> out = new ArrayList<>(partitions);
                    for (int p = 0; p < partitions; p++) {
                        out.add(new Tuple2<>(p, new ParameterSlice(sh.shard, sh.w)));
                    }
                    return out.iterator();
                })
                .partitionBy(new HashPartitioner(partitions));
        // Gradients, cut into shard slices: the reduce-scatter.
        JavaPairRDD<Integer, GradientPart> slices = train.blocks()
                .zipPartitions(gathered, (Iterator<ExampleBlock> blocks, Iterator<Tuple2<Integer, ParameterSlice>> in) -> {
                    int index = TaskContext.getPartitionId();
                    float[] optimizedValues = new float[Math.toIntExact(total)];
                    int received = 0;
                    while (in.hasNext()) {
                        ParameterSlice ps = in.next()._2();
                        System.arraycopy(ps.values, 0, optimizedValues, Math.toIntExact(sp.flatFrom(ps.shard)), ps.values.length);
                        received++;
                    }
                    float[] parameters = base.value().clone();
                    rl.scatterOptimized(optimizedValues, parameters);
                    if (received != shards) {
                        throw new IllegalStateException("partition " + index + " received " + received + " parameter slices, expected " + shards);
                    }
                    GradientPart g = tk.gradient(index, StepTasks.firstOrEmpty(index, blocks), parameters, plan, step);
                    List<Tuple2<Integer, GradientPart>> out = new ArrayList<>(shards);
                    for (int s = 0; s < shards; s++) {
                        // The running statistics (small) travel with shard 0 only.
                        out.add(new Tuple2<>(s, new GradientPart(index, sp.slice(g.gradient(), s), s == 0 ? g.statistics() : new float[0],
                                g.lossSum(), g.examples(), g.computeNanos(), g.loadNanos())));
                    }
                    return out.iterator();
                })
                .mapToPair(t -> t)
                .partitionBy(new HashPartitioner(shards));
        // Each owner sums its shard over all partitions, in the tree order.
        JavaRDD<Reduced> reduced = cur.zipPartitions(slices, (Iterator<Shard> own, Iterator<Tuple2<Integer, GradientPart>> in) -> {
            Shard sh = own.next();
            List<GradientPart> parts = new ArrayList<>(partitions);
            in.forEachRemaining(t -> parts.add(t._2()));
            if (parts.size() != partitions) {
                throw new IllegalStateException("shard " + sh.shard + " received " + parts.size() + " gradient slices, expected " + partitions);
            }
            parts.sort(Comparator.comparingInt(GradientPart::index));
            GradientPart sum = TreeOrder.sum(parts, f);
            if (rl.hasRegularization()) {
                float[] regularized = sum.gradient().clone();
                rl.addRegularization(sp.flatFrom(sh.shard), regularized, sh.w, batch);
                sum = new GradientPart(sum.index(), regularized, sum.statistics(), sum.lossSum(), sum.examples(), sum.computeNanos(),
                        sum.loadNanos());
            }
            return List.of(new Reduced(sh, sum, ShardedStep.gradientReport(sp, sh.shard, sum.gradient()))).iterator();
        });
        reduced.rdd().localCheckpoint();
        long distributed = System.nanoTime();
        List<ReduceReport> reports = reduced
                .map(r -> new ReduceReport(new GradientPart(0, new float[0], r.sum.statistics(), r.sum.lossSum(), r.sum.examples(),
                        r.sum.computeNanos(), r.sum.loadNanos()), r.report))
                .collect();
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
                roles.applyStatistics(totals.statistics(), plan.globalBatch(), nextFixed);
                roles.requireFiniteStatistics(nextFixed);
            }
            k = sharded.coefficients(reports.stream().map(r -> r.report).toList(), 1.0 / plan.globalBatch(), completedSteps);
        } catch (InvalidGradientException e) {
            reduced.unpersist(false);
            meter.end();
            return new StepOutcome(totals, null, e, lr, start, distributed, reducedAt, System.nanoTime(), meter.collect(tag, 0));
        }
        StepResult result;
        JavaRDD<Shard> next;
        if (!sharded.needsNormRound()) {
            next = reduced.map(r -> {
                ShardUpdate u = ShardedStep.update(k, sp, r.shard.shard, r.sum.gradient(), r.shard.w, r.shard.m, r.shard.v);
                return new Shard(r.shard.shard, u.parameters(), u.firstMoment(), u.secondMoment());
            });
            result = sharded.result(k);
            releaseWhenCurrentComputed.add(reduced);
        } else {
            JavaRDD<Updated> updated = reduced.map(r -> {
                ShardUpdate u = ShardedStep.update(k, sp, r.shard.shard, r.sum.gradient(), r.shard.w, r.shard.m, r.shard.v);
                return new Updated(new Shard(r.shard.shard, r.shard.w, u.firstMoment(), u.secondMoment()), u.norms());
            });
            updated.rdd().localCheckpoint();
            List<NormReport> norms = updated.map(u -> u.norms).collect();
            reduced.unpersist(false);
            StepSizes sizes = sharded.stepSizes(k, norms);
            next = updated.map(u -> new Shard(u.shard.shard, ShardedStep.apply(k, sizes, sp, u.shard.shard, u.shard.w, u.shard.m, u.shard.v),
                    u.shard.m, u.shard.v));
            result = sizes.result();
            releaseWhenCurrentComputed.add(updated);
        }
        meter.end();
        if (nextFixed != null) {
            fixed = nextFixed;
            Broadcast<float[]> old = fixedBroadcast;
            oldBroadcasts.add(old);
            fixedBroadcast = jsc.broadcast(fixed);
        }
        next.rdd().localCheckpoint();
        cur.unpersist(false);
        current = next;
        completedSteps++;
        parametersCache = null;
        stateCache = null;
        return new StepOutcome(totals, result, null, lr, start, distributed, reducedAt, System.nanoTime(), meter.collect(tag, 0));
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
