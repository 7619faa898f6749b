package dev.sparklamb.spark.model;

import dev.sparklamb.spark.config.DeviceSettings;
import java.io.Serializable;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/**
 * A network's DL4J configuration as JSON: all an executor needs to build its resident replica. Parameters travel
 * separately, as flat float vectors.
 *
 * @param graph true for a {@code ComputationGraphConfiguration}, false for a {@code MultiLayerConfiguration}
 * @param json  the configuration's {@code toJson()}
 * @param name   a short name for logs ("mlp", "lenet", or the file it came from)
 * @param device where executors build and run it ({@code spark-lamb.device}; {@link ReplicaPool} applies it)
 */
public record ModelSpec(boolean graph, String json, String name, DeviceSettings device) implements Serializable {

    public static ModelSpec of(MultiLayerConfiguration conf, String name) {
        return new ModelSpec(false, conf.toJson(), name, DeviceSettings.DEFAULT);
    }

    public static ModelSpec of(ComputationGraphConfiguration conf, String name) {
        return new ModelSpec(true, conf.toJson(), name, DeviceSettings.DEFAULT);
    }

    /** The same network, built and run by executors on the device {@code settings} select. */
    public ModelSpec withDevice(DeviceSettings settings) {
        return new ModelSpec(graph, json, name, settings);
    }

    /** A new, initialised network (its initial parameters come from the configuration's seed). */
    public Replica build() {
        if (graph) {
            ComputationGraph g = new ComputationGraph(ComputationGraphConfiguration.fromJson(json));
            g.init();
            return new GraphReplica(g);
        }
        MultiLayerNetwork n = new MultiLayerNetwork(MultiLayerConfiguration.fromJson(json));
        n.init();
        return new MultiLayerReplica(n);
    }

    /** Identifies the architecture exactly (the whole configuration), for the per-JVM replica pool. */
    public String key() {
        return (graph ? "graph:" : "mln:") + json;
    }
}
