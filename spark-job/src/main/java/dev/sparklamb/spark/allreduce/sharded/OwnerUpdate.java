package dev.sparklamb.spark.allreduce.sharded;

import dev.sparklamb.optim.Coefficients;
import dev.sparklamb.optim.NormReport;
import dev.sparklamb.optim.ShardUpdate;
import dev.sparklamb.optim.StepSizes;
import dev.sparklamb.optim.ShardPlan;
import dev.sparklamb.optim.ShardedStep;
import dev.sparklamb.optim.StepResult;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;

/**
 * Phase 4 of a sharded step: each owner updates its moments and parameters ({@link ShardedStep}) with the driver's
 * coefficients. LAMB and LARS take a second round: the owners report per-chunk norms first (one more job) and apply
 * the driver's per-tensor trust ratios after.
 */
final class OwnerUpdate {

    private OwnerUpdate() {
    }

    /**
     * The updated shards (not computed yet), the optimizer's report, and the cached RDD they are computed from (to
     * release once they are).
     */
    record Next(JavaRDD<Shard> shards, StepResult result, JavaRDD<?> computedFrom) {
    }

    static Next apply(ShardedStep sharded, Coefficients k, ShardPlan sp, JavaRDD<ReducedShard> reduced) {
        if (!sharded.needsNormRound()) {
            JavaRDD<Shard> next = reduced.map(r -> {
                ShardUpdate u = ShardedStep.update(k, sp, r.shard.shard, r.sum.gradient(), r.shard.w, r.shard.m, r.shard.v);
                return new Shard(r.shard.shard, u.parameters(), u.firstMoment(), u.secondMoment());
            });
            return new Next(next, sharded.result(k), reduced);
        }
        JavaRDD<UpdatedShard> updated = reduced.map(r -> {
            ShardUpdate u = ShardedStep.update(k, sp, r.shard.shard, r.sum.gradient(), r.shard.w, r.shard.m, r.shard.v);
            return new UpdatedShard(new Shard(r.shard.shard, r.shard.w, u.firstMoment(), u.secondMoment()), u.norms());
        });
        updated.rdd().localCheckpoint();
        List<NormReport> norms = updated.map(u -> u.norms).collect();
        reduced.unpersist(false);
        StepSizes sizes = sharded.stepSizes(k, norms);
        JavaRDD<Shard> next = updated.map(u -> new Shard(u.shard.shard, ShardedStep.apply(k, sizes, sp, u.shard.shard, u.shard.w, u.shard.m,
                u.shard.v), u.shard.m, u.shard.v));
        return new Next(next, sizes.result(), updated);
    }
}
