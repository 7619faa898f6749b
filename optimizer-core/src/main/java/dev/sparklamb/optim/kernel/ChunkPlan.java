package dev.sparklamb.optim.kernel;

import dev.sparklamb.optim.TensorLayout;
import java.util.Arrays;

/**
 * Cuts every tensor of a layout into fixed-size chunks, the unit of parallel work. Chunk boundaries depend only on
 * the layout, and per-tensor sums are always combined in chunk order, so results are bitwise the same whatever the
 * number of threads.
 */
public final class ChunkPlan {

    /** Elements per chunk: 4 scratch arrays of this many floats stay within a core's L2 cache. */
    public static final int CHUNK = 1 << 14;

    private final int[] tensorOfChunk;
    private final int[] fromOfChunk;
    private final int[] firstChunkOfTensor;
    private final int[] lengths;

    public ChunkPlan(TensorLayout layout) {
        int total = 0;
        firstChunkOfTensor = new int[layout.size() + 1];
        for (int t = 0; t < layout.size(); t++) {
            firstChunkOfTensor[t] = total;
            total += Math.max(1, (layout.length(t) + CHUNK - 1) / CHUNK);
        }
        firstChunkOfTensor[layout.size()] = total;
        tensorOfChunk = new int[total];
        fromOfChunk = new int[total];
        for (int t = 0; t < layout.size(); t++) {
            for (int c = firstChunkOfTensor[t]; c < firstChunkOfTensor[t + 1]; c++) {
                tensorOfChunk[c] = t;
                fromOfChunk[c] = (c - firstChunkOfTensor[t]) * CHUNK;
            }
        }
        this.lengths = new int[layout.size()];
        for (int t = 0; t < layout.size(); t++) {
            lengths[t] = layout.length(t);
        }
    }

    public int chunkCount() {
        return tensorOfChunk.length;
    }

    public int tensorOf(int chunk) {
        return tensorOfChunk[chunk];
    }

    public int from(int chunk) {
        return fromOfChunk[chunk];
    }

    public int count(int chunk) {
        return Math.min(CHUNK, lengths[tensorOfChunk[chunk]] - fromOfChunk[chunk]);
    }

    /** Sums {@code perChunk[c][column]} over each tensor's chunks, in chunk order. */
    public double[] sumPerTensor(double[][] perChunk, int column) {
        double[] sums = new double[lengths.length];
        for (int t = 0; t < lengths.length; t++) {
            double s = 0;
            for (int c = firstChunkOfTensor[t]; c < firstChunkOfTensor[t + 1]; c++) {
                s += perChunk[c][column];
            }
            sums[t] = s;
        }
        return sums;
    }

    @Override
    public String toString() {
        return "ChunkPlan" + Arrays.toString(firstChunkOfTensor);
    }
}
