package dev.sparklamb.spark.config;

import java.io.Serializable;

/**
 * Which network to train.
 *
 * @param preset     built-in architecture name ({@code mlp}, {@code lenet}); ignored when {@code configFile} is set
 * @param configFile DL4J configuration JSON path, or empty
 */
public record ModelSettings(String preset, String configFile, int inputHeight, int inputWidth, int inputChannels, int classes)
        implements Serializable {

    public int inputSize() {
        return inputHeight * inputWidth * inputChannels;
    }
}
