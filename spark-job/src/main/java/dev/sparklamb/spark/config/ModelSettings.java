package dev.sparklamb.spark.config;

import java.io.Serializable;

/**
 * Which network to train.
 *
 * @param preset     built-in architecture; ignored when
 *                   {@code configFile} is set
 * @param configFile DL4J configuration JSON path, or empty
 * @param initFrom   a DL4J model zip (any Hadoop URI) whose parameters a fresh run starts from, or empty
 * @param freeze     regexes searched in tensor names: matching tensors are frozen (never trained)
 * @param bert       sizes of the {@code bert-mini} preset ({@code spark-lamb.model.bert.*}); its vocabulary size is
 *                   {@code classes}
 */
public record ModelSettings(ModelPreset preset, String configFile, int inputHeight, int inputWidth, int inputChannels, int classes,
                            String initFrom, java.util.List<String> freeze, BertSettings bert) implements Serializable {

    public ModelSettings {
        java.util.Objects.requireNonNull(preset, ModelPreset.KEY);
        java.util.Objects.requireNonNull(bert, BertSettings.PREFIX);
        freeze = java.util.List.copyOf(freeze);
    }

    /** With the default {@code bert-mini} sizes. */
    public ModelSettings(ModelPreset preset, String configFile, int inputHeight, int inputWidth, int inputChannels, int classes,
                         String initFrom, java.util.List<String> freeze) {
        this(preset, configFile, inputHeight, inputWidth, inputChannels, classes, initFrom, freeze, BertSettings.DEFAULT);
    }

    /** With the preset as written in a configuration ({@code "mlp"}, ...), nothing frozen. */
    public ModelSettings(String preset, String configFile, int inputHeight, int inputWidth, int inputChannels, int classes) {
        this(ModelPreset.parse(preset), configFile, inputHeight, inputWidth, inputChannels, classes);
    }

    /** A network trained from its own initialisation, nothing frozen. */
    public ModelSettings(ModelPreset preset, String configFile, int inputHeight, int inputWidth, int inputChannels, int classes) {
        this(preset, configFile, inputHeight, inputWidth, inputChannels, classes, "", java.util.List.of());
    }

    public int inputSize() {
        return inputHeight * inputWidth * inputChannels;
    }
}
