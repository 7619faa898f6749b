package dev.sparklamb.spark.checkpoint;

import dev.sparklamb.spark.config.RunConfig;
import dev.sparklamb.spark.model.ModelSpec;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Identifies what a checkpoint can be resumed into: the network's configuration and everything that decides the
 * sequence of updates (seed, number of training examples, global batch, epochs, max steps, optimizer settings). Not
 * included, because they do not change the mathematics: partitions, micro-batch size, evaluation and output
 * settings.
 */
public final class RunFingerprint {

    private RunFingerprint() {
    }

    public static String of(ModelSpec spec, RunConfig config, long trainingExamples) {
        return of(spec, config, trainingExamples, new long[0]);
    }

    /**
     * With the training examples of each later stage ({@code training.next-stages}): a staged run's fingerprint also
     * covers its stages (data, batches, steps, learning rates) and their data's sizes; an ordinary run's is as before.
     */
    public static String of(ModelSpec spec, RunConfig config, long trainingExamples, long[] laterStageExamples) {
        String canonical = String.join("\n",
                "model=" + spec.json(),
                "freeze=" + config.model().freeze(),
                "seed=" + config.seed(),
                "examples=" + trainingExamples,
                "globalBatch=" + config.training().globalBatch(),
                "epochs=" + config.training().epochs(),
                "maxSteps=" + config.training().maxSteps(),
                "optimizer=" + config.optimizer())
                + (config.training().staged() ? "\nstages=" + config.training().nextStages() + "\nstageExamples="
                + java.util.Arrays.toString(laterStageExamples) : "");
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(canonical.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
