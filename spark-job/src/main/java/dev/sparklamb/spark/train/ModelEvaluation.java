package dev.sparklamb.spark.train;

import dev.sparklamb.spark.config.RunConfig;
import dev.sparklamb.spark.data.CachedExamples;
import dev.sparklamb.spark.data.DataException;
import dev.sparklamb.spark.data.DatasetReader;
import dev.sparklamb.spark.evaluate.EvaluationScore;
import dev.sparklamb.spark.io.HadoopFiles;
import dev.sparklamb.spark.model.ModelSpec;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;

/** Scores a saved model ({@code model.zip} in DL4J's format) on a data set, distributed like training. */
public final class ModelEvaluation {

    private ModelEvaluation() {
    }

    public static EvaluationScore evaluate(SparkSession spark, RunConfig config, String modelPath, String dataPath) {
        byte[] bytes = read(spark, modelPath);
        ModelSpec spec;
        float[] parameters;
        try {
            MultiLayerNetwork net = ModelSerializer.restoreMultiLayerNetwork(new ByteArrayInputStream(bytes), false);
            spec = ModelSpec.of(net.getLayerWiseConfigurations(), modelPath);
            parameters = net.params().data().asFloat();
        } catch (Exception notMultiLayer) {
            try {
                ComputationGraph graph = ModelSerializer.restoreComputationGraph(new ByteArrayInputStream(bytes), false);
                spec = ModelSpec.of(graph.getConfiguration(), modelPath);
                parameters = graph.params().data().asFloat();
            } catch (Exception notGraph) {
                throw new DataException("'" + modelPath + "' is not a DL4J model file: " + notGraph.getMessage(), notGraph);
            }
        }
        DatasetReader reader = new DatasetReader(spark, config.data(), config.model().inputSize(), config.model().classes(), config.seed());
        CachedExamples data = reader.read(dataPath, "evaluation data");
        try {
            TrainingLoop loop = new TrainingLoop(JavaSparkContext.fromSparkContext(spark.sparkContext()), config, spec);
            return loop.evaluate(data, parameters);
        } finally {
            data.release();
        }
    }

    private static byte[] read(SparkSession spark, String path) {
        try {
            return HadoopFiles.readAll(path, spark.sparkContext().hadoopConfiguration());
        } catch (java.io.FileNotFoundException e) {
            throw new DataException("model file '" + path + "' does not exist", e);
        } catch (IOException e) {
            throw new DataException("cannot read model file '" + path + "': " + e.getMessage(), e);
        }
    }
}
