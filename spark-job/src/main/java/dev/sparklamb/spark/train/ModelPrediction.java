package dev.sparklamb.spark.train;

import dev.sparklamb.spark.config.ConfigurationException;
import dev.sparklamb.spark.config.RunConfig;
import dev.sparklamb.spark.data.CachedExamples;
import dev.sparklamb.spark.data.DatasetReader;
import dev.sparklamb.spark.evaluate.Predictor;
import dev.sparklamb.spark.output.RunOutput;
import java.io.IOException;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Predictions of a saved model ({@code model.zip}) for a data set read like training data (the label column may be
 * absent), computed on the executors and written as Parquet ({@link Predictor#SCHEMA}), sorted by example id.
 */
public final class ModelPrediction {

    private ModelPrediction() {
    }

    /**
     * Checks the output path and the model before reading any data, and writes nothing unless every row was read.
     *
     * @return the number of examples predicted
     * @throws ConfigurationException when {@code outputPath} exists or lies inside the data, the model file does not
     *                                exist, or the network does not take inputs of the configured size
     * @throws dev.sparklamb.spark.data.DataException when the model file is not a model or the data does not fit it
     */
    public static long predict(SparkSession spark, RunConfig config, String modelPath, String dataPath, String outputPath) {
        if (config.data().isTokens()) {
            throw new ConfigurationException(dev.sparklamb.spark.config.DataFormat.KEY + " = tokens: predict writes class predictions of "
                    + "classification data; for a masked-language model use evaluate (masked-token accuracy, loss, perplexity)");
        }
        Configuration hadoop = spark.sparkContext().hadoopConfiguration();
        requireNew(outputPath, hadoop);
        RunOutput.requireOutsideInputs("--output", outputPath, List.of(dataPath, modelPath), hadoop);
        SavedModel.requireExists(spark, "--model", modelPath);
        SavedModel model = SavedModel.load(spark, modelPath);
        int inputSize = config.model().inputSize();
        int classes = outputWidth(model, inputSize);
        DatasetReader reader = new DatasetReader(spark, config.data(), inputSize, classes, config.seed()).labelsOptional();
        CachedExamples data = reader.read(dataPath, "prediction data");
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Broadcast<float[]> parameters = jsc.broadcast(model.parameters());
        try {
            long version = new java.util.Random().nextLong() & Long.MAX_VALUE;
            spark.createDataFrame(Predictor.predict(data, model.spec(), parameters, version, config.training().microBatch(), classes),
                            Predictor.SCHEMA)
                    .orderBy("id")
                    .write().mode(SaveMode.ErrorIfExists).parquet(outputPath);
            return data.count();
        } finally {
            parameters.destroy();
            data.release();
        }
    }

    /** The output must not exist: predictions are never mixed with, or written over, other files. */
    static void requireNew(String outputPath, Configuration hadoop) {
        try {
            Path p = new Path(outputPath);
            if (p.getFileSystem(hadoop).exists(p)) {
                throw new ConfigurationException("--output: '" + outputPath + "' already exists; predict writes a new directory "
                        + "(nothing was written)");
            }
        } catch (IOException | IllegalArgumentException e) {
            throw new ConfigurationException("--output: cannot access '" + outputPath + "': " + e.getMessage(), e);
        }
    }

    /**
     * Runs one all-zero example through the network on the driver: its output width is the number of classes; a network
     * that refuses the configured input size is a configuration error naming the keys.
     */
    static int outputWidth(SavedModel model, int inputSize) {
        INDArray zero = Nd4j.zeros(org.nd4j.linalg.api.buffer.DataType.FLOAT, 1, inputSize);
        try {
            INDArray out = model.network() instanceof ComputationGraph g ? g.outputSingle(zero)
                    : ((MultiLayerNetwork) model.network()).output(zero);
            return (int) out.size(1);
        } catch (RuntimeException e) {
            throw new ConfigurationException("spark-lamb.model.input-height x input-width x input-channels: model '" + model.spec().name()
                    + "' does not take inputs of " + inputSize + " features: " + e.getMessage(), e);
        }
    }
}
