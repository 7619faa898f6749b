package dev.sparklamb.spark.dl4j;

import dev.sparklamb.optim.TensorLayout;
import dev.sparklamb.optim.TensorSpec;
import dev.sparklamb.spark.config.ConfigurationException;
import dev.sparklamb.spark.model.ModelSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.LongConsumer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.GradientNormalization;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The user's network held by a {@code SparkDl4jMultiLayer} or {@code SparkComputationGraph}, as the synchronous trainer
 * sees it: its configuration (what the executors build their replicas from), its current parameters (the starting
 * point), and the place the trained parameters are written back to. Networks the trainer would train differently
 * from what their configuration says are refused when this is made, naming the layer and the option to use instead.
 */
final class DropInNetwork {

    private final Model model;
    private final ModelSpec spec;
    private final String description;
    private final Function<INDArray, INDArray> forward;
    private final LongConsumer addIterations;

    private DropInNetwork(Model model, ModelSpec spec, String description, Function<INDArray, INDArray> forward,
                          LongConsumer addIterations) {
        this.model = model;
        this.spec = spec;
        this.description = description;
        this.forward = forward;
        this.addIterations = addIterations;
    }

    static DropInNetwork of(MultiLayerNetwork net) {
        MultiLayerConfiguration conf = net.getLayerWiseConfigurations();
        for (int i = 0; i < conf.getConfs().size(); i++) {
            requireTrainedByOptimizerOnly("layer " + i, conf.getConf(i).getLayer());
        }
        MultiLayerConfiguration replicaConf = conf.clone();
        // Counters change on every fit; the replicas' configuration must not, so that executors keep reusing them.
        replicaConf.setIterationCount(0);
        replicaConf.setEpochCount(0);
        DropInNetwork n = new DropInNetwork(net, ModelSpec.of(replicaConf, "SparkDl4jMultiLayer network"), "the MultiLayerNetwork",
                x -> net.output(x, false), steps -> conf.setIterationCount(Math.toIntExact(conf.getIterationCount() + steps)));
        n.requireFloat();
        return n;
    }

    static DropInNetwork of(ComputationGraph graph) {
        if (graph.getNumInputArrays() != 1 || graph.getNumOutputArrays() != 1) {
            throw new ConfigurationException("LambTrainingMaster: the ComputationGraph has " + graph.getNumInputArrays() + " inputs and "
                    + graph.getNumOutputArrays() + " outputs; only graphs with one input and one output are supported");
        }
        ComputationGraphConfiguration conf = graph.getConfiguration();
        conf.getVertices().forEach((name, vertex) -> {
            if (vertex instanceof LayerVertex lv) {
                requireTrainedByOptimizerOnly("vertex '" + name + "'", lv.getLayerConf().getLayer());
            }
        });
        ComputationGraphConfiguration replicaConf = conf.clone();
        replicaConf.setIterationCount(0);
        replicaConf.setEpochCount(0);
        DropInNetwork n = new DropInNetwork(graph, ModelSpec.of(replicaConf, "SparkComputationGraph network"), "the ComputationGraph",
                x -> graph.outputSingle(false, x), steps -> conf.setIterationCount(Math.toIntExact(conf.getIterationCount() + steps)));
        n.requireFloat();
        return n;
    }

    /**
     * DL4J applies regularization and gradient normalization, and keeps batch normalization's running statistics, in its
     * own updater, which is not run here (the optimizer is LAMB, applied once per global batch); dropout would make the
     * replicas' gradients depend on their RNG state.
     */
    private static void requireTrainedByOptimizerOnly(String where, Layer layer) {
        String problem = null;
        if (layer instanceof BatchNormalization) {
            problem = "is a BatchNormalization layer, whose running mean and variance DL4J's updater maintains and LambTrainingMaster "
                    + "would treat as gradients; remove it";
        } else if (layer.getIDropout() != null) {
            problem = "uses dropout, which would make the gradients depend on which replica saw which example; remove it";
        } else if (layer instanceof BaseLayer base) {
            boolean regularized = base.getRegularization() != null && !base.getRegularization().isEmpty()
                    || base.getRegularizationBias() != null && !base.getRegularizationBias().isEmpty();
            if (regularized) {
                problem = "has l1/l2/weight-decay regularization, which DL4J's updater applies and LambTrainingMaster does not run; "
                        + "use LambTrainingMaster.Builder.weightDecay (decoupled, inside LAMB) instead";
            } else if (base.getGradientNormalization() != null && base.getGradientNormalization() != GradientNormalization.None) {
                problem = "uses gradient normalization " + base.getGradientNormalization() + ", which DL4J's updater applies and "
                        + "LambTrainingMaster does not run; use LambTrainingMaster.Builder.maxGradientNorm (global norm clipping) instead";
            }
        }
        if (problem != null) {
            throw new ConfigurationException("LambTrainingMaster: " + where + (layer.getLayerName() == null ? "" : " ('"
                    + layer.getLayerName() + "')") + " " + problem);
        }
    }

    private void requireFloat() {
        DataType type = model.params().dataType();
        if (type != DataType.FLOAT) {
            throw new ConfigurationException("LambTrainingMaster: " + description + "'s parameters are " + type
                    + "; only FLOAT (32-bit) networks are supported: build the configuration with .dataType(DataType.FLOAT)");
        }
    }

    /** Fails unless the network maps {@code features} inputs per example to {@code classes} outputs. */
    void requireFits(int features, int classes) {
        long outputs;
        try {
            outputs = forward.apply(Nd4j.zeros(DataType.FLOAT, 1, features)).size(1);
        } catch (RuntimeException e) {
            throw new ConfigurationException("LambTrainingMaster: " + description + " does not accept the DataSets' " + features
                    + " features per example: " + e.getMessage(), e);
        }
        if (outputs != classes) {
            throw new ConfigurationException("LambTrainingMaster: " + description + " has " + outputs + " outputs but the DataSets' labels have "
                    + classes + " columns");
        }
    }

    ModelSpec spec() {
        return spec;
    }

    String description() {
        return description;
    }

    /** Named tensors in the network's flattening order (DL4J's {@code paramTable()} keys). */
    TensorLayout layout() {
        List<TensorSpec> specs = new ArrayList<>();
        for (Map.Entry<String, INDArray> e : model.paramTable().entrySet()) {
            specs.add(new TensorSpec(e.getKey(), e.getValue().shape()));
        }
        return new TensorLayout(specs);
    }

    /** A copy of the current flat parameters. */
    float[] parameters() {
        return model.params().toFloatVector();
    }

    /** Writes trained parameters into the network and advances its iteration counter by {@code steps}. */
    void setTrained(float[] parameters, long steps) {
        INDArray flat = model.params();
        if (parameters.length != flat.length()) {
            throw new IllegalArgumentException("trained parameters have " + parameters.length + " values; the network has " + flat.length());
        }
        flat.assign(Nd4j.createFromArray(parameters).reshape(flat.shape()));
        addIterations.accept(steps);
    }
}
