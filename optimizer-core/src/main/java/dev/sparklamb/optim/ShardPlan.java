package dev.sparklamb.optim;

import dev.sparklamb.optim.kernel.ChunkPlan;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * Cuts the flat parameter vector of a {@link TensorLayout} into contiguous shards for a sharded optimizer step.
 *
 * <p>Shards are made of the chunks of {@link ChunkPlan} (the same chunk boundaries the single-process optimizer
 * uses), and their boundaries fall on tensor boundaries: a tensor stays whole in one shard unless it is larger than
 * the split threshold (at first a fair share, {@code total / shards}), in which case it may be cut at chunk
 * boundaries. Such a split tensor's norms are combined from per-chunk partial sums of squares, in chunk order, so a
 * sharded step is bitwise the same as {@link Optimizer#step}. The threshold is halved (down to one chunk) until the
 * largest shard is at most {@link #TARGET_BALANCE} times the mean, so layer sets of very uneven sizes still balance.
 *
 * <p>Plain arrays only: the plan travels to Spark executors.
 */
public final class ShardPlan implements Serializable {

    private static final long serialVersionUID = 1L;

    /** Largest shard / mean shard that the threshold search aims for. */
    public static final double TARGET_BALANCE = 1.10;

    private final TensorLayout layout;
    private final int[] chunkTensor;
    private final int[] chunkFrom;
    private final int[] chunkLength;
    private final long[] chunkFlat;
    private final int[] firstChunkOfTensor;
    private final int[] shardFirstChunk;

    private ShardPlan(TensorLayout layout, ChunkPlan plan, int[] shardFirstChunk) {
        this.layout = layout;
        int n = plan.chunkCount();
        chunkTensor = new int[n];
        chunkFrom = new int[n];
        chunkLength = new int[n];
        chunkFlat = new long[n];
        firstChunkOfTensor = new int[layout.size() + 1];
        for (int c = n - 1; c >= 0; c--) {
            chunkTensor[c] = plan.tensorOf(c);
            chunkFrom[c] = plan.from(c);
            chunkLength[c] = plan.count(c);
            chunkFlat[c] = layout.offset(chunkTensor[c]) + chunkFrom[c];
            firstChunkOfTensor[chunkTensor[c]] = c;
        }
        firstChunkOfTensor[layout.size()] = n;
        this.shardFirstChunk = shardFirstChunk;
    }

    /**
     * A balanced plan with {@code requestedShards} shards, or fewer when the layout has fewer chunks than that (a
     * shard is never empty).
     */
    public static ShardPlan of(TensorLayout layout, int requestedShards) {
        if (requestedShards < 1) {
            throw new IllegalArgumentException("the number of shards must be >= 1, got " + requestedShards);
        }
        if (layout.size() == 0) {
            throw new IllegalArgumentException("cannot shard an empty layout");
        }
        ChunkPlan chunks = new ChunkPlan(layout);
        long total = layout.totalLength();
        long fair = Math.max(1, (total + requestedShards - 1) / requestedShards);
        int[] best = null;
        double bestMax = Double.POSITIVE_INFINITY;
        for (long threshold = fair; ; threshold = Math.max(ChunkPlan.CHUNK, threshold / 2)) {
            int[] cut = partition(layout, chunks, requestedShards, threshold);
            long max = 0;
            int shards = cut.length - 1;
            for (int s = 0; s < shards; s++) {
                max = Math.max(max, flatLength(layout, chunks, cut[s], cut[s + 1]));
            }
            double ratio = max / ((double) total / shards);
            if (max < bestMax) {
                bestMax = max;
                best = cut;
            }
            if (ratio <= TARGET_BALANCE || threshold <= ChunkPlan.CHUNK) {
                break;
            }
        }
        return new ShardPlan(layout, chunks, best);
    }

    /** Items: whole tensors up to {@code threshold} elements, single chunks of larger ones; then a min-max cut. */
    private static int[] partition(TensorLayout layout, ChunkPlan chunks, int shards, long threshold) {
        List<int[]> items = new ArrayList<>(); // {first chunk, end chunk}
        int c = 0;
        while (c < chunks.chunkCount()) {
            int t = chunks.tensorOf(c);
            int end = c;
            while (end < chunks.chunkCount() && chunks.tensorOf(end) == t) {
                end++;
            }
            if (layout.length(t) > threshold) {
                for (int k = c; k < end; k++) {
                    items.add(new int[] {k, k + 1});
                }
            } else {
                items.add(new int[] {c, end});
            }
            c = end;
        }
        long[] weight = new long[items.size()];
        long lo = 0;
        long hi = 0;
        for (int i = 0; i < weight.length; i++) {
            weight[i] = flatLength(layout, chunks, items.get(i)[0], items.get(i)[1]);
            lo = Math.max(lo, weight[i]);
            hi += weight[i];
        }
        int groups = Math.min(shards, weight.length);
        while (lo < hi) { // smallest capacity with which a greedy cut needs at most `groups` groups
            long mid = lo + (hi - lo) / 2;
            if (groupsNeeded(weight, mid) <= groups) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        int[] cut = new int[groups + 1];
        int g = 0;
        long load = 0;
        for (int i = 0; i < weight.length; i++) {
            boolean mustClose = weight.length - i == groups - 1 - g; // exactly one item left per shard still empty
            if (load > 0 && g < groups - 1 && (load + weight[i] > lo || mustClose)) {
                g++;
                cut[g] = items.get(i)[0];
                load = 0;
            }
            load += weight[i];
        }
        cut[0] = 0;
        cut[groups] = chunks.chunkCount();
        return cut;
    }

    private static int groupsNeeded(long[] weight, long capacity) {
        int groups = 1;
        long load = 0;
        for (long w : weight) {
            if (load + w > capacity) {
                groups++;
                load = 0;
            }
            load += w;
        }
        return groups;
    }

    private static long flatLength(TensorLayout layout, ChunkPlan chunks, int firstChunk, int endChunk) {
        long n = 0;
        for (int c = firstChunk; c < endChunk; c++) {
            n += chunks.count(c);
        }
        return n;
    }

    public TensorLayout layout() {
        return layout;
    }

    public int shards() {
        return shardFirstChunk.length - 1;
    }

    public int chunkCount() {
        return chunkTensor.length;
    }

    /** First chunk (global index) of shard {@code s}. */
    public int firstChunk(int s) {
        return shardFirstChunk[s];
    }

    /** One past the last chunk of shard {@code s}. */
    public int endChunk(int s) {
        return shardFirstChunk[s + 1];
    }

    /** Offset of shard {@code s} in the flat parameter vector. */
    public long flatFrom(int s) {
        return chunkFlat[shardFirstChunk[s]];
    }

    /** Number of parameters in shard {@code s}. */
    public int length(int s) {
        long end = s + 1 < shards() ? chunkFlat[shardFirstChunk[s + 1]] : layout.totalLength();
        return Math.toIntExact(end - flatFrom(s));
    }

    /** Tensor of chunk {@code c}. */
    public int tensorOf(int c) {
        return chunkTensor[c];
    }

    /** Offset of chunk {@code c} within its tensor. */
    public int fromInTensor(int c) {
        return chunkFrom[c];
    }

    /** Elements in chunk {@code c}. */
    public int chunkLength(int c) {
        return chunkLength[c];
    }

    /** Offset of chunk {@code c} within its shard's slice. */
    public int offsetInShard(int s, int c) {
        return Math.toIntExact(chunkFlat[c] - flatFrom(s));
    }

    /** Whether tensor {@code t} is cut across more than one shard. */
    public boolean isSplit(int t) {
        int first = firstChunkOfTensor[t];
        int last = firstChunkOfTensor[t + 1] - 1;
        return shardOf(first) != shardOf(last);
    }

    /** The shard that holds chunk {@code c}. */
    public int shardOf(int c) {
        int lo = 0;
        int hi = shards() - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (shardFirstChunk[mid] <= c) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return lo;
    }

    /** Number of tensors cut across shards. */
    public int splitTensors() {
        int n = 0;
        for (int t = 0; t < layout.size(); t++) {
            n += isSplit(t) ? 1 : 0;
        }
        return n;
    }

    /** Largest shard divided by the mean shard size. */
    public double imbalance() {
        long max = 0;
        for (int s = 0; s < shards(); s++) {
            max = Math.max(max, length(s));
        }
        return max / ((double) layout.totalLength() / shards());
    }

    /** Sums per-chunk values (indexed by global chunk) per tensor, in chunk order, as {@link ChunkPlan#sumPerTensor} does. */
    double[] sumPerTensor(double[] perChunk) {
        double[] sums = new double[layout.size()];
        for (int t = 0; t < layout.size(); t++) {
            double s = 0;
            for (int c = firstChunkOfTensor[t]; c < firstChunkOfTensor[t + 1]; c++) {
                s += perChunk[c];
            }
            sums[t] = s;
        }
        return sums;
    }

    /** Copies shard {@code s} out of a flat vector. */
    public float[] slice(float[] flat, int s) {
        float[] out = new float[length(s)];
        System.arraycopy(flat, Math.toIntExact(flatFrom(s)), out, 0, out.length);
        return out;
    }

    /** Copies per-tensor arrays (e.g. an optimizer moment) into shard {@code s}'s flat slice. */
    public float[] slice(float[][] perTensor, int s) {
        float[] out = new float[length(s)];
        for (int c = firstChunk(s); c < endChunk(s); c++) {
            System.arraycopy(perTensor[chunkTensor[c]], chunkFrom[c], out, offsetInShard(s, c), chunkLength[c]);
        }
        return out;
    }

    /** Writes shard {@code s}'s slice back into per-tensor arrays. */
    public void unslice(float[] slice, int s, float[][] perTensor) {
        for (int c = firstChunk(s); c < endChunk(s); c++) {
            System.arraycopy(slice, offsetInShard(s, c), perTensor[chunkTensor[c]], chunkFrom[c], chunkLength[c]);
        }
    }

    @Override
    public String toString() {
        return shards() + " shards over " + layout.size() + " tensors (" + splitTensors() + " split), imbalance "
                + String.format("%.3f", imbalance());
    }
}
