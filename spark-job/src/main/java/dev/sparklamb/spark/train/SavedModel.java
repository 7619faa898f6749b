package dev.sparklamb.spark.train;

import dev.sparklamb.spark.config.ConfigurationException;
import dev.sparklamb.spark.data.DataException;
import dev.sparklamb.spark.io.HadoopFiles;
import dev.sparklamb.spark.model.ModelSpec;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;

/**
 * A {@code model.zip} in DL4J's format (a {@link MultiLayerNetwork} or a {@link ComputationGraph}), read from any Hadoop
 * URI: the architecture executors rebuild their replicas from, and the parameters they receive.
 *
 * @param spec       the architecture
 * @param parameters the flat parameter vector
 * @param network    the restored network, on the driver
 */
public record SavedModel(ModelSpec spec, float[] parameters, Model network) {

    /**
     * @throws DataException when nothing exists at {@code path} or it is not a DL4J model file (naming the file)
     */
    public static SavedModel load(SparkSession spark, String path) {
        byte[] bytes = read(spark, path);
        try {
            MultiLayerNetwork net = ModelSerializer.restoreMultiLayerNetwork(new ByteArrayInputStream(bytes), false);
            return new SavedModel(ModelSpec.of(net.getLayerWiseConfigurations(), path), net.params().data().asFloat(), net);
        } catch (ConfigurationException refused) {
            throw refused;
        } catch (Exception notMultiLayer) {
            try {
                ComputationGraph graph = ModelSerializer.restoreComputationGraph(new ByteArrayInputStream(bytes), false);
                return new SavedModel(ModelSpec.of(graph.getConfiguration(), path), graph.params().data().asFloat(), graph);
            } catch (ConfigurationException refused) {
                throw refused;
            } catch (Exception notGraph) {
                throw new DataException("'" + path + "' is not a DL4J model file: " + notGraph.getMessage(), notGraph);
            }
        }
    }

    /**
     * Refuses a model path where nothing exists as a command-line error (exit code 2), naming the option and the file;
     * {@link #load} reports the same as bad data.
     */
    public static void requireExists(SparkSession spark, String option, String path) {
        try {
            org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(path);
            if (!p.getFileSystem(spark.sparkContext().hadoopConfiguration()).exists(p)) {
                throw new ConfigurationException(option + ": model file '" + path + "' does not exist; expected a model.zip written by train");
            }
        } catch (IOException | IllegalArgumentException e) {
            throw new ConfigurationException(option + ": cannot access model file '" + path + "': " + e.getMessage(), e);
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
