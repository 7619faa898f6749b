package dev.sparklamb.spark.allreduce.sharded;

import dev.sparklamb.optim.GradientReport;
import dev.sparklamb.optim.NormReport;
import dev.sparklamb.optim.ShardedStep;
import dev.sparklamb.spark.gradient.GradientPart;
import java.io.Serializable;

/** What the driver receives after the reduce-scatter: no arrays of model size. */
final class ReduceReport implements Serializable {

    private static final long serialVersionUID = 1L;

    final GradientPart scalars;
    final GradientReport report;
    /** The per-chunk norms of the owner's first pass ({@link ReducedShard#firstPass}); null when it did not run. */
    final NormReport norms;

    ReduceReport(GradientPart scalars, GradientReport report, NormReport norms) {
        this.scalars = scalars;
        this.report = report;
        this.norms = norms;
    }
}
