package dev.sparklamb.spark.allreduce.sharded;

import dev.sparklamb.optim.GradientReport;
import dev.sparklamb.optim.ShardedStep;
import dev.sparklamb.spark.gradient.GradientPart;
import java.io.Serializable;

/** What the driver receives after the reduce-scatter: no arrays of model size. */
final class ReduceReport implements Serializable {

    private static final long serialVersionUID = 1L;

    final GradientPart scalars;
    final GradientReport report;

    ReduceReport(GradientPart scalars, GradientReport report) {
        this.scalars = scalars;
        this.report = report;
    }
}
