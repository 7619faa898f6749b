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
 * coefficients, in the first stage of the next step's job. LAMB and LARS need per-tensor trust ratios from every
 * shard's norms: the owners ran the first pass already with the unclipped coefficients ({@link ReduceScatter#ownerSums}),
 * so when the step was not clipped the driver has the norms with the reports and the owners only apply the trust
 * ratios; a clipped step takes a second round (one more job: first pass with the clipped coefficients, norms to the
 * driver) before that.
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

    /**
     * @param unclipped the coefficients the owners' first pass ran with (null: none ran)
     * @param reports   the owners' reports of the step, with that first pass's norms
     */
    static Next apply(ShardedStep sharded, Coefficients k, Coefficients unclipped, List<ReduceReport> reports, ShardPlan sp,
                      JavaRDD<ReducedShard> reduced) {
        if (!sharded.needsNormRound()) {
            JavaRDD<Shard> next = reduced.map(r -> {
                ShardUpdate u = ShardedStep.update(k, sp, r.shard.shard, r.sum.gradient(), r.shard.w, r.shard.m, r.shard.v);
                return new Shard(r.shard.shard, u.parameters(), u.firstMoment(), u.secondMoment());
            });
            return new Next(next, sharded.result(k), reduced);
        }
        if (unclipped != null && unclipped.samePasses(k)) {
            StepSizes sizes = sharded.stepSizes(k, reports.stream().map(r -> r.norms).toList());
            JavaRDD<Shard> next = reduced.map(r -> new Shard(r.shard.shard, ShardedStep.apply(k, sizes, sp, r.shard.shard, r.shard.w,
                    r.firstPass.firstMoment(), r.firstPass.secondMoment()), r.firstPass.firstMoment(), r.firstPass.secondMoment()));
            return new Next(next, sizes.result(), reduced);
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
