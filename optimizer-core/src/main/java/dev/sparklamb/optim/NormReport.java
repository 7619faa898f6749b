package dev.sparklamb.optim;

import java.io.Serializable;

/**
 * Per-chunk sums of squares of {@code w} and of the update direction {@code u} of one shard: all the
 * {@link ShardedStep} coordinator needs for trust ratios.
 */
public final class NormReport implements Serializable {
    private static final long serialVersionUID = 1L;

    private final int shard;
    private final double[] parameterSums;
    private final double[] updateSums;

    NormReport(int shard, double[] parameterSums, double[] updateSums) {
        this.shard = shard;
        this.parameterSums = parameterSums;
        this.updateSums = updateSums;
    }

    public int shard() {
        return shard;
    }

    double[] parameterSums() {
        return parameterSums;
    }

    double[] updateSums() {
        return updateSums;
    }
}
