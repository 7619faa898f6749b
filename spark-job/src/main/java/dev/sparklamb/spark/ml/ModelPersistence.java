package dev.sparklamb.spark.ml;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sparklamb.spark.model.ModelSpec;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWriter;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWriter;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import scala.Option;

/**
 * {@link LambClassificationModel}'s directory layout on any Hadoop URI: {@code metadata/} (Spark's
 * {@code DefaultParamsWriter} params and uid, as every Spark ML stage), {@code network.json} (network kind, name, numbers of
 * features and classes) and {@code model.zip} (the network with its parameters, DL4J's {@code ModelSerializer} format,
 * without updater state: also loadable with {@code ModelSerializer.restoreMultiLayerNetwork}).
 */
final class ModelPersistence {

    static final String ZIP = "model.zip";
    static final String NETWORK = "network.json";

    private ModelPersistence() {
    }

    /** What {@code network.json} holds. */
    public record NetworkInfo(boolean graph, String name, int numFeatures, int numClasses) {
    }

    static final class Writer extends MLWriter {

        private final LambClassificationModel model;

        Writer(LambClassificationModel model) {
            this.model = model;
        }

        @Override
        public void saveImpl(String path) {
            DefaultParamsWriter.saveMetadata(model, path, sc(), Option.empty(), Option.empty());
            Configuration hadoop = sc().hadoopConfiguration();
            try {
                Path dir = new Path(path);
                FileSystem fs = dir.getFileSystem(hadoop);
                NetworkInfo info = new NetworkInfo(model.spec().graph(), model.spec().name(), model.numFeatures(), model.numClasses());
                try (OutputStream o = fs.create(new Path(dir, NETWORK), false)) {
                    new ObjectMapper().writeValue(o, info);
                }
                try (OutputStream o = fs.create(new Path(dir, ZIP), false)) {
                    ModelSerializer.writeModel(model.network(), o, false);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("LambClassificationModel: could not save to '" + path + "': " + e.getMessage(), e);
            }
        }
    }

    static final class Reader extends MLReader<LambClassificationModel> {

        @Override
        public LambClassificationModel load(String path) {
            DefaultParamsReader.Metadata metadata = DefaultParamsReader.loadMetadata(path, sc(), LambClassificationModel.class.getName());
            Configuration hadoop = sc().hadoopConfiguration();
            Path dir = new Path(path);
            try {
                FileSystem fs = dir.getFileSystem(hadoop);
                NetworkInfo info;
                try (InputStream in = fs.open(new Path(dir, NETWORK))) {
                    info = new ObjectMapper().readValue(in, NetworkInfo.class);
                }
                Model network;
                ModelSpec spec;
                try (InputStream in = fs.open(new Path(dir, ZIP))) {
                    if (info.graph()) {
                        ComputationGraph g = ModelSerializer.restoreComputationGraph(in, false);
                        network = g;
                        spec = ModelSpec.of(g.getConfiguration(), info.name());
                    } else {
                        MultiLayerNetwork n = ModelSerializer.restoreMultiLayerNetwork(in, false);
                        network = n;
                        spec = ModelSpec.of(n.getLayerWiseConfigurations(), info.name());
                    }
                }
                float[] parameters = network.params().toFloatVector();
                LambClassificationModel model = new LambClassificationModel(metadata.uid(), spec, parameters, info.numFeatures(),
                        info.numClasses());
                metadata.getAndSetParams(model, Option.empty());
                return model;
            } catch (IOException e) {
                throw new UncheckedIOException("LambClassificationModel: could not load '" + path + "' (expected " + NETWORK + " and "
                        + ZIP + " there): " + e.getMessage(), e);
            }
        }
    }
}
