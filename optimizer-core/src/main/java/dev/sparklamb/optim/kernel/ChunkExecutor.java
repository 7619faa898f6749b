package dev.sparklamb.optim.kernel;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.stream.IntStream;

/**
 * Runs a function over every chunk of a {@link ChunkPlan} on a small dedicated fork-join pool. Each chunk writes
 * only its own row of the result, so the outcome does not depend on scheduling.
 */
public final class ChunkExecutor {

    /** System property that sets the number of optimizer threads (default: available processors). */
    public static final String THREADS_PROPERTY = "sparklamb.optimizer.threads";

    private static final ChunkExecutor SHARED = new ChunkExecutor(
            Integer.getInteger(THREADS_PROPERTY, Runtime.getRuntime().availableProcessors()));

    /** Work for one chunk: fill {@code out} with this chunk's partial results. */
    @FunctionalInterface
    public interface ChunkFunction {
        void apply(int chunk, Scratch scratch, double[] out);
    }

    private final ForkJoinPool pool;
    private final ThreadLocal<Scratch> scratch = ThreadLocal.withInitial(Scratch::new);

    public ChunkExecutor(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException(THREADS_PROPERTY + " must be >= 1, got " + threads);
        }
        this.pool = new ForkJoinPool(threads, p -> {
            ForkJoinWorkerThread t = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(p);
            t.setDaemon(true);
            t.setName("sparklamb-optimizer-" + t.getPoolIndex());
            return t;
        }, null, false);
    }

    public static ChunkExecutor shared() {
        return SHARED;
    }

    public int threads() {
        return pool.getParallelism();
    }

    /** Applies {@code fn} to every chunk; returns one row of {@code columns} values per chunk. */
    public double[][] run(ChunkPlan plan, int columns, ChunkFunction fn) {
        double[][] out = new double[plan.chunkCount()][columns];
        if (plan.chunkCount() == 1 || pool.getParallelism() == 1) {
            Scratch s = scratch.get();
            for (int c = 0; c < plan.chunkCount(); c++) {
                fn.apply(c, s, out[c]);
            }
            return out;
        }
        pool.submit(() -> IntStream.range(0, plan.chunkCount()).parallel()
                .forEach(c -> fn.apply(c, scratch.get(), out[c]))).join();
        return out;
    }

    /** Per-thread scratch arrays of {@link ChunkPlan#CHUNK} floats (five of them stay within a core's L2 cache). */
    public static final class Scratch {
        public final float[] a = new float[ChunkPlan.CHUNK];
        public final float[] b = new float[ChunkPlan.CHUNK];
        public final float[] c = new float[ChunkPlan.CHUNK];
        public final float[] d = new float[ChunkPlan.CHUNK];
        public final float[] e = new float[ChunkPlan.CHUNK];
    }
}
