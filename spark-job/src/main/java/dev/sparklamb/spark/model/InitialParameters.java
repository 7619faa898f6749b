package dev.sparklamb.spark.model;

import dev.sparklamb.optim.TensorLayout;
import dev.sparklamb.spark.config.ConfigurationException;
import dev.sparklamb.spark.io.HadoopFiles;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import org.apache.hadoop.conf.Configuration;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.util.ModelSerializer;

/**
 * Where a fresh run's parameters come from: the configuration's own initialisation, or, for fine-tuning
 * ({@code spark-lamb.model.init-from}), a DL4J model zip whose tensors must be exactly the configured network's.
 */
public final class InitialParameters {

    private InitialParameters() {
    }

    /**
     * The parameters of the model zip at {@code path} (any Hadoop URI), checked against {@code layout}: the same tensor
     * names, order and shapes.
     */
    public static float[] fromModelZip(String path, TensorLayout layout, Configuration hadoop) {
        byte[] bytes;
        try {
            bytes = HadoopFiles.readAll(path, hadoop);
        } catch (java.io.FileNotFoundException e) {
            throw new ConfigurationException("spark-lamb.model.init-from: '" + path + "' does not exist", e);
        } catch (IOException e) {
            throw new ConfigurationException("spark-lamb.model.init-from: cannot read '" + path + "': " + e.getMessage(), e);
        }
        Model model = restore(path, bytes);
        TensorLayout theirs = ParameterLayout.of(model);
        try {
            layout.requireSameAs(theirs, "the model in '" + path + "'");
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException("spark-lamb.model.init-from: '" + path + "' holds another architecture than the configured "
                    + "network: " + e.getMessage(), e);
        }
        if (model.params().dataType() != org.nd4j.linalg.api.buffer.DataType.FLOAT) {
            throw new ConfigurationException("spark-lamb.model.init-from: '" + path + "' holds " + model.params().dataType()
                    + " parameters; expected FLOAT (32-bit)");
        }
        return model.params().toFloatVector();
    }

    private static Model restore(String path, byte[] bytes) {
        RuntimeException first;
        try {
            return ModelSerializer.restoreMultiLayerNetwork(new ByteArrayInputStream(bytes), false);
        } catch (IOException | RuntimeException e) {
            first = e instanceof RuntimeException r ? r : new RuntimeException(e);
        }
        try {
            return ModelSerializer.restoreComputationGraph(new ByteArrayInputStream(bytes), false);
        } catch (IOException | RuntimeException e) {
            throw new ConfigurationException("spark-lamb.model.init-from: '" + path + "' is not a DL4J model zip (MultiLayerNetwork or "
                    + "ComputationGraph, as ModelSerializer writes it): " + first.getMessage(), e);
        }
    }
}
