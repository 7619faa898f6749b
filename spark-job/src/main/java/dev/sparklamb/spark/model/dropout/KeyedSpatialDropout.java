package dev.sparklamb.spark.model.dropout;

import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Broadcast;
import org.nd4j.shade.jackson.annotation.JsonCreator;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * Spatial dropout (Tompson et al. 2015, "Efficient object localization using convolutional networks"), keyed:
 * DL4J's {@link org.deeplearning4j.nn.conf.dropout.SpatialDropout} with a fixed retain probability {@code p}.
 *
 * <p>For rank 3, 4 or 5 activations, one inverted-dropout mask value per example and channel (dimension 1, as DL4J
 * takes it): channel {@code c} of an example is retained when {@code uniform(element = c) < p}, mask {@code 1/p} or 0,
 * broadcast over the remaining dimensions; forward {@code out = x * m}, backward {@code dx = dout * m}.
 */
public class KeyedSpatialDropout extends KeyedNoise {

    private final double p;
    private transient INDArray mask;

    @JsonCreator
    public KeyedSpatialDropout(@JsonProperty("p") double p, @JsonProperty("layerKey") long layerKey, @JsonProperty("layer") String layer) {
        super(layerKey, layer);
        this.p = retainProbability(p, "spatial dropout of " + layer);
    }

    public double getP() {
        return p;
    }

    @Override
    protected String kind() {
        return "spatial dropout (retain p = " + p + ")";
    }

    @Override
    public INDArray applyDropout(INDArray input, INDArray output, int iteration, int epoch, LayerWorkspaceMgr workspaceMgr) {
        if (input.rank() < 3 || input.rank() > 5) {
            throw new IllegalArgumentException(layer + ": spatial dropout needs rank 3, 4 or 5 activations [example, channel, ...], got shape "
                    + java.util.Arrays.toString(input.shape()));
        }
        DropoutContext.Keys keys = keysFor(input);
        double scale = 1.0 / p;
        mask = perExample(keys, new long[] {input.size(0), input.size(1)}, output.dataType(),
                (s, c) -> CounterRandom.uniform(s, c) < p ? scale : 0.0);
        Broadcast.mul(as(input, output.dataType()), mask, output, 0, 1);
        return output;
    }

    @Override
    public INDArray backprop(INDArray gradAtOutput, INDArray gradAtInput, int iteration, int epoch) {
        if (mask == null) {
            throw new IllegalStateException(layer + ": spatial dropout backprop without a mask from a forward pass (cleared already?)");
        }
        Broadcast.mul(gradAtOutput, as(mask, gradAtInput.dataType()), gradAtInput, 0, 1);
        mask = null;
        return gradAtInput;
    }

    @Override
    public void clear() {
        mask = null;
    }

    @Override
    public KeyedSpatialDropout clone() {
        return new KeyedSpatialDropout(p, layerKey, layer);
    }

    @Override
    protected boolean sameSettings(KeyedNoise other) {
        return ((KeyedSpatialDropout) other).p == p;
    }

    @Override
    public String toString() {
        return "KeyedSpatialDropout(p=" + p + ", layerKey=" + layerKey + ")";
    }
}
