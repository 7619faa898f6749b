package dev.sparklamb.spark.allreduce.sharded;

import dev.sparklamb.optim.GradientReport;
import dev.sparklamb.optim.ShardUpdate;
import dev.sparklamb.optim.ShardedStep;
import dev.sparklamb.spark.gradient.GradientPart;
import java.io.Serializable;

/**
 * A shard with its summed gradient of the step (and the summed loss, examples and timings), and for LAMB and LARS the
 * first pass of the update run with the unclipped coefficients for the step's gradient scale
 * ({@link ShardedStep#unclipped}; null for one-pass rules).
 */
final class ReducedShard implements Serializable {

    private static final long serialVersionUID = 1L;

    final Shard shard;
    final GradientPart sum;
    final GradientReport report;
    final ShardUpdate firstPass;

    ReducedShard(Shard shard, GradientPart sum, GradientReport report, ShardUpdate firstPass) {
        this.shard = shard;
        this.sum = sum;
        this.report = report;
        this.firstPass = firstPass;
    }
}
