package dev.sparklamb.optim;

import java.io.Serializable;

/** What {@link ShardOwner#update} produced for one shard: new moments, new parameters (one pass) or per-chunk norms. */
public final class ShardUpdate implements Serializable {
    private static final long serialVersionUID = 1L;

    private final int shard;
    private final float[] parameters;
    private final float[] first;
    private final float[] second;
    private final double[] parameterSums;
    private final double[] updateSums;

    ShardUpdate(int shard, float[] parameters, float[] first, float[] second, double[] parameterSums, double[] updateSums) {
        this.shard = shard;
        this.parameters = parameters;
        this.first = first;
        this.second = second;
        this.parameterSums = parameterSums;
        this.updateSums = updateSums;
    }

    /** The updated parameters (one-pass optimizers); the unchanged input array for two-pass ones. */
    public float[] parameters() {
        return parameters;
    }

    public float[] firstMoment() {
        return first;
    }

    /** Null for optimizers without a second moment (LARS). */
    public float[] secondMoment() {
        return second;
    }

    /** Only the scalars the coordinator needs for trust ratios (per-chunk sums of squares of w and u). */
    public NormReport norms() {
        return new NormReport(shard, parameterSums, updateSums);
    }
}
