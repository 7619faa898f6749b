package dev.sparklamb.spark.config;

import java.io.Serializable;

/**
 * Where the examples come from.
 *
 * @param partitions 0 means Spark's default parallelism
 * @param cache      how the executors cache the examples ({@link DataCache})
 */
public record DataSettings(String train, String test, DataFormat format, String featuresColumn, String labelColumn, int partitions,
                           TokenSettings tokens, DataCache cache) implements Serializable {

    public DataSettings {
        java.util.Objects.requireNonNull(format, DataFormat.KEY);
        java.util.Objects.requireNonNull(cache, DataCache.KEY);
        Checks.atLeast("data.partitions", partitions, 0);
        java.util.Objects.requireNonNull(tokens, "spark-lamb.data.tokens");
        if (format == DataFormat.TOKENS && tokens.sequenceLength() < 1) {
            throw new ConfigurationException(Checks.ROOT + "data.tokens.sequence-length must be set (>= 1) with " + DataFormat.KEY
                    + " = tokens: the number of token ids per sequence (the seq-L folder of import-text)");
        }
        if (format != DataFormat.TOKENS && !tokens.equals(TokenSettings.DEFAULT)) {
            throw new ConfigurationException(Checks.ROOT + "data.tokens.* apply only with " + DataFormat.KEY + " = tokens (it is "
                    + format + "); remove them");
        }
        if (format == DataFormat.TOKENS && (!featuresColumn.equals("features") || !labelColumn.equals("label"))) {
            throw new ConfigurationException(Checks.ROOT + "data.features-column and label-column are not used with " + DataFormat.KEY
                    + " = tokens, which reads the columns input_ids and length; remove them");
        }
    }

    /** Classification data (no token settings). */
    public DataSettings(String train, String test, DataFormat format, String featuresColumn, String labelColumn, int partitions) {
        this(train, test, format, featuresColumn, labelColumn, partitions, TokenSettings.DEFAULT, DataCache.MEMORY);
    }

    /** The same, reading {@code train} (and {@code test}) instead. */
    public DataSettings withPaths(String trainPath, String testPath, int sequenceLength) {
        return new DataSettings(trainPath, testPath, format, featuresColumn, labelColumn, partitions, tokens.withSequenceLength(sequenceLength),
                cache);
    }

    public boolean isTokens() {
        return format == DataFormat.TOKENS;
    }

    /** With the format as written in a configuration ({@code "parquet"} or {@code "csv"}). */
    public DataSettings(String train, String test, String format, String featuresColumn, String labelColumn, int partitions) {
        this(train, test, DataFormat.parse(format), featuresColumn, labelColumn, partitions);
    }

    public boolean hasTest() {
        return !test.isEmpty();
    }
}
