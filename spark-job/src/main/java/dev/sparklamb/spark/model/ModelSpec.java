package dev.sparklamb.spark.model;

import dev.sparklamb.spark.config.DeviceSettings;
import java.io.Serializable;
import dev.sparklamb.spark.model.dropout.KeyedDropouts;
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

    /**
     * The configuration as JSON. Executors rebuild the network from it, so every layer setting must survive DL4J's own
     * JSON round trip; one that does not (DL4J 1.0.0-M2 reads {@code BatchNormalization.useLogStd(false)} back as true)
     * is refused, naming the layer, rather than trained as a different network.
     */
    public static ModelSpec of(MultiLayerConfiguration conf, String name) {
        String json = conf.toJson();
        MultiLayerConfiguration back = MultiLayerConfiguration.fromJson(json);
        for (int i = 0; i < conf.getConfs().size(); i++) {
            requireSurvives(name, "layer " + i, conf.getConf(i).getLayer(), back.getConf(i).getLayer());
        }
        return new ModelSpec(false, json, name, DeviceSettings.DEFAULT);
    }

    /** As {@link #of(MultiLayerConfiguration, String)}, for a graph. */
    public static ModelSpec of(ComputationGraphConfiguration conf, String name) {
        String json = conf.toJson();
        ComputationGraphConfiguration back = ComputationGraphConfiguration.fromJson(json);
        conf.getVertices().forEach((vertex, v) -> {
            if (v instanceof org.deeplearning4j.nn.conf.graph.LayerVertex lv
                    && back.getVertices().get(vertex) instanceof org.deeplearning4j.nn.conf.graph.LayerVertex bv) {
                requireSurvives(name, "vertex '" + vertex + "'", lv.getLayerConf().getLayer(), bv.getLayerConf().getLayer());
            }
        });
        return new ModelSpec(true, json, name, DeviceSettings.DEFAULT);
    }

    private static void requireSurvives(String name, String where, org.deeplearning4j.nn.conf.layers.Layer layer,
                                        org.deeplearning4j.nn.conf.layers.Layer back) {
        if (!layer.equals(back)) {
            String hint = layer instanceof org.deeplearning4j.nn.conf.layers.BatchNormalization bn && !bn.isUseLogStd()
                    ? ": DL4J 1.0.0-M2 reads useLogStd(false) back as true; use the default useLogStd(true)" : "";
            throw new dev.sparklamb.spark.config.ConfigurationException("network '" + name + "', " + where + " ("
                    + layer.getClass().getSimpleName() + "): its settings do not survive DL4J's JSON serialization, through which "
                    + "every executor builds its replica, so the replicas would train a different network" + hint);
        }
    }

    /** The same network, built and run by executors on the device {@code settings} select. */
    public ModelSpec withDevice(DeviceSettings settings) {
        return new ModelSpec(graph, json, name, settings);
    }

    /**
     * A new, initialised network exactly as configured (its initial parameters come from the configuration's seed):
     * what the driver checks, saves and evaluates.
     */
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

    /**
     * A network that computes gradients for the trainer: as {@link #build()}, with every dropout replaced by its keyed,
     * partition-independent equivalent ({@link KeyedDropouts}); the driver's {@code NetworkCheck} has refused what
     * cannot be keyed.
     */
    public Replica buildReplica() {
        try {
            if (graph) {
                ComputationGraph g = new ComputationGraph(KeyedDropouts.install(ComputationGraphConfiguration.fromJson(json)));
                g.init();
                return new GraphReplica(g);
            }
            MultiLayerNetwork n = new MultiLayerNetwork(KeyedDropouts.install(MultiLayerConfiguration.fromJson(json)));
            n.init();
            return new MultiLayerReplica(n);
        } catch (IllegalArgumentException e) {
            throw new dev.sparklamb.spark.config.ConfigurationException("network '" + name + "': " + e.getMessage(), e);
        }
    }

    /** Identifies the architecture exactly (the whole configuration), for the per-JVM replica pool. */
    public String key() {
        return (graph ? "graph:" : "mln:") + json;
    }
}
