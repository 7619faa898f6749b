package dev.sparklamb.spark.model;

import dev.sparklamb.optim.TensorLayout;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

/** A {@link ComputationGraph} replica with one input and one output. */
final class GraphReplica extends Replica {

    private final ComputationGraph graph;
    private final TensorLayout layout;

    GraphReplica(ComputationGraph graph) {
        if (graph.getNumInputArrays() != 1 || graph.getNumOutputArrays() != 1) {
            throw new IllegalArgumentException("computation graphs with one input and one output are supported; this one has "
                    + graph.getNumInputArrays() + " inputs and " + graph.getNumOutputArrays() + " outputs");
        }
        this.graph = graph;
        this.layout = ParameterLayout.of(graph);
    }

    @Override
    public Model network() {
        return graph;
    }

    @Override
    public TensorLayout layout() {
        return layout;
    }

    @Override
    protected void fit(INDArray features, INDArray labels) {
        graph.setInputs(features);
        graph.setLabels(labels);
        graph.computeGradientAndScore();
    }

    @Override
    protected void fit(INDArray features, INDArray featureMask, INDArray labels, INDArray labelMask) {
        graph.setInputs(features);
        graph.setLabels(labels);
        graph.setLayerMaskArrays(featureMask == null ? null : new INDArray[] {featureMask},
                labelMask == null ? null : new INDArray[] {labelMask});
        graph.computeGradientAndScore();
    }

    @Override
    protected void clearMasks() {
        graph.clearLayerMaskArrays();
    }

    @Override
    protected INDArray flatGradient() {
        return graph.gradient().gradient();
    }

    @Override
    protected double score() {
        return graph.score();
    }

    @Override
    public INDArray output(INDArray features) {
        return graph.outputSingle(false, features);
    }

    @Override
    public INDArray output(INDArray features, INDArray featureMask) {
        if (featureMask == null) {
            return output(features);
        }
        return graph.output(false, new INDArray[] {features}, new INDArray[] {featureMask}, null)[0];
    }

    @Override
    public double meanLoss(INDArray features, INDArray labels) {
        return graph.score(new DataSet(features, labels), false);
    }
}
