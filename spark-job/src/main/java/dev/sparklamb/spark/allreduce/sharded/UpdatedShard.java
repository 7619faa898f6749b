package dev.sparklamb.spark.allreduce.sharded;

import dev.sparklamb.optim.NormReport;
import dev.sparklamb.optim.ShardedStep;
import java.io.Serializable;

/** A shard with updated moments and its per-chunk norms, before the trust-ratio pass (LAMB, LARS). */
final class UpdatedShard implements Serializable {

    private static final long serialVersionUID = 1L;

    final Shard shard;
    final NormReport norms;

    UpdatedShard(Shard shard, NormReport norms) {
        this.shard = shard;
        this.norms = norms;
    }
}
