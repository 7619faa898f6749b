package dev.sparklamb.spark.config;

import java.io.Serializable;

/**
 * One run's validated configuration: what {@link ConfigLoader} makes of a HOCON file layered over
 * {@code conf/spark-lamb-defaults.conf}.
 */
public record RunConfig(String output, long seed, ModelSettings model, DataSettings data, TrainingSettings training,
                        OptimizerSettings optimizer, SparkSettings spark, CheckpointSettings checkpoint, DeviceSettings device,
                        LeaseSettings lease, TrackingSettings tracking)
        implements Serializable {

    /** A configuration with the default {@link TrackingSettings} ({@code spark-lamb.tracking}). */
    public RunConfig(String output, long seed, ModelSettings model, DataSettings data, TrainingSettings training,
                     OptimizerSettings optimizer, SparkSettings spark, CheckpointSettings checkpoint, DeviceSettings device,
                     LeaseSettings lease) {
        this(output, seed, model, data, training, optimizer, spark, checkpoint, device, lease, TrackingSettings.DEFAULT);
    }

    /** A configuration with the default {@link LeaseSettings} ({@code spark-lamb.lease}). */
    public RunConfig(String output, long seed, ModelSettings model, DataSettings data, TrainingSettings training,
                     OptimizerSettings optimizer, SparkSettings spark, CheckpointSettings checkpoint, DeviceSettings device) {
        this(output, seed, model, data, training, optimizer, spark, checkpoint, device, LeaseSettings.DEFAULT);
    }

    /** A configuration with the default {@link DeviceSettings} ({@code spark-lamb.device}). */
    public RunConfig(String output, long seed, ModelSettings model, DataSettings data, TrainingSettings training,
                     OptimizerSettings optimizer, SparkSettings spark, CheckpointSettings checkpoint) {
        this(output, seed, model, data, training, optimizer, spark, checkpoint, DeviceSettings.DEFAULT, LeaseSettings.DEFAULT);
    }

    /**
     * The configuration stage {@code stage} of {@code training.next-stages} runs with: its data (and sequence length),
     * batches and exactly its steps; everything else as this one's. (Its learning rate is the stage's own, applied by the
     * staged schedule.)
     */
    public RunConfig forStage(StageSettings stage) {
        return withData(data.withPaths(stage.train(), stage.test(), stage.sequenceLength())).withTraining(training.forStage(stage));
    }

    public RunConfig withData(DataSettings d) {
        return new RunConfig(output, seed, model, d, training, optimizer, spark, checkpoint, device, lease, tracking);
    }

    public RunConfig withTraining(TrainingSettings t) {
        return new RunConfig(output, seed, model, data, t, optimizer, spark, checkpoint, device, lease, tracking);
    }

    public RunConfig withOutput(String o) {
        return new RunConfig(o, seed, model, data, training, optimizer, spark, checkpoint, device, lease, tracking);
    }

    public RunConfig withTracking(TrackingSettings t) {
        return new RunConfig(output, seed, model, data, training, optimizer, spark, checkpoint, device, lease, t);
    }
}
