package dev.sparklamb.spark.config;

import java.io.Serializable;

/**
 * When and where checkpoints are written.
 *
 * @param everySteps write one every this many steps (0: only at the end)
 * @param keep       how many of the newest checkpoints to keep (>= 1)
 * @param dir        directory (any Hadoop URI); empty means {@code <output>/checkpoints}
 */
public record CheckpointSettings(int everySteps, int keep, String dir) implements Serializable {

    public String directory(String output) {
        return dir.isEmpty() ? output.replaceAll("/+$", "") + "/checkpoints" : dir;
    }
}
