package dev.sparklamb.spark.model.dropout;

import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.MulOp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.shade.jackson.annotation.JsonCreator;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * Inverted dropout (Srivastava et al. 2014, "Dropout: a simple way to prevent neural networks from overfitting"),
 * keyed: DL4J's {@link org.deeplearning4j.nn.conf.dropout.Dropout} with a fixed retain probability {@code p}.
 *
 * <p>Each element is retained when its uniform {@code u < p}: mask {@code m = 1/p} if retained, else 0; forward
 * {@code out = x * m}, backward {@code dx = dout * m} with the mask of the same forward pass.
 */
public class KeyedDropout extends KeyedNoise {

    private final double p;
    private transient INDArray mask;

    @JsonCreator
    public KeyedDropout(@JsonProperty("p") double p, @JsonProperty("layerKey") long layerKey, @JsonProperty("layer") String layer) {
        super(layerKey, layer);
        this.p = retainProbability(p, "dropout of " + layer);
    }

    /** Retain probability. */
    public double getP() {
        return p;
    }

    @Override
    protected String kind() {
        return "dropout (retain p = " + p + ")";
    }

    @Override
    public INDArray applyDropout(INDArray input, INDArray output, int iteration, int epoch, LayerWorkspaceMgr workspaceMgr) {
        DropoutContext.Keys keys = keysFor(input);
        double scale = 1.0 / p;
        mask = perExample(keys, input.shape(), output.dataType(), (s, e) -> CounterRandom.uniform(s, e) < p ? scale : 0.0);
        Nd4j.getExecutioner().exec(new MulOp(as(input, output.dataType()), mask, output));
        return output;
    }

    @Override
    public INDArray backprop(INDArray gradAtOutput, INDArray gradAtInput, int iteration, int epoch) {
        if (mask == null) {
            throw new IllegalStateException(layer + ": dropout backprop without a mask from a forward pass (cleared already?)");
        }
        Nd4j.getExecutioner().exec(new MulOp(gradAtOutput, as(mask, gradAtInput.dataType()), gradAtInput));
        mask = null;
        return gradAtInput;
    }

    @Override
    public void clear() {
        mask = null;
    }

    @Override
    public KeyedDropout clone() {
        return new KeyedDropout(p, layerKey, layer);
    }

    @Override
    protected boolean sameSettings(KeyedNoise other) {
        return ((KeyedDropout) other).p == p;
    }

    @Override
    public String toString() {
        return "KeyedDropout(p=" + p + ", layerKey=" + layerKey + ")";
    }
}
