package dev.sparklamb.spark.allreduce.sharded;

import java.io.Serializable;

/** One shard's parameter slice on its way to a partition (the all-gather). */
final class ParameterSlice implements Serializable {

    private static final long serialVersionUID = 1L;

    final int shard;
    final float[] values;

    ParameterSlice(int shard, float[] values) {
        this.shard = shard;
        this.values = values;
    }
}
