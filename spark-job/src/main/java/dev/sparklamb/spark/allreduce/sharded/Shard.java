package dev.sparklamb.spark.allreduce.sharded;

import java.io.Serializable;

/** One shard's parameters and optimizer moments ({@code v} null for LARS). Never modified once built. */
final class Shard implements Serializable {

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
