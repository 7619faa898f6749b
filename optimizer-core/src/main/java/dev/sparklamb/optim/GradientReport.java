package dev.sparklamb.optim;

import java.io.Serializable;

/**
 * What a shard owner tells the {@link ShardedStep} coordinator about its slice of the summed gradient: per-chunk sums
 * of squares, and where its first non-finite element is. Made by {@link ShardOwner#gradientReport}.
 */
public final class GradientReport implements Serializable {
    private static final long serialVersionUID = 1L;

    private final int shard;
    private final double[] chunkSums;
    private final int badChunk;
    private final int badElement;
    private final float badValue;

    GradientReport(int shard, double[] chunkSums, int badChunk, int badElement, float badValue) {
        this.shard = shard;
        this.chunkSums = chunkSums;
        this.badChunk = badChunk;
        this.badElement = badElement;
        this.badValue = badValue;
    }

    public int shard() {
        return shard;
    }

    double[] chunkSums() {
        return chunkSums;
    }

    /** The first chunk (plan numbering) with a non-finite element, or -1. */
    int badChunk() {
        return badChunk;
    }

    /** That element's index within its tensor. */
    int badElement() {
        return badElement;
    }

    float badValue() {
        return badValue;
    }
}
