package dev.sparklamb.spark.model;

import dev.sparklamb.optim.TensorLayout;
import dev.sparklamb.optim.TensorSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

/** A {@link MultiLayerNetwork} replica. */
final class MultiLayerReplica extends Replica {

    private final MultiLayerNetwork net;
    private final TensorLayout layout;

    MultiLayerReplica(MultiLayerNetwork net) {
        this.net = net;
        this.layout = ParameterLayout.of(net);
    }

    @Override
    public Model network() {
        return net;
    }

    @Override
    public TensorLayout layout() {
        return layout;
    }

    @Override
    protected void fit(INDArray features, INDArray labels) {
        net.setInput(features);
        net.setLabels(labels);
        net.computeGradientAndScore();
    }

    @Override
    protected void fit(INDArray features, INDArray featureMask, INDArray labels, INDArray labelMask) {
        net.setInput(features);
        net.setLabels(labels);
        net.setLayerMaskArrays(featureMask, labelMask);
        net.computeGradientAndScore();
    }

    @Override
    protected void clearMasks() {
        net.clearLayerMaskArrays();
    }

    @Override
    protected INDArray flatGradient() {
        return net.gradient().gradient();
    }

    @Override
    protected double score() {
        return net.score();
    }

    @Override
    public INDArray output(INDArray features) {
        return net.output(features, false);
    }

    @Override
    public INDArray output(INDArray features, INDArray featureMask) {
        if (featureMask == null) {
            return output(features);
        }
        return net.output(features, false, featureMask, null);
    }

    @Override
    public double meanLoss(INDArray features, INDArray labels) {
        return net.score(new DataSet(features, labels), false);
    }
}
