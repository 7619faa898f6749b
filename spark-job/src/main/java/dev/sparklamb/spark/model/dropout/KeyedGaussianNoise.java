package dev.sparklamb.spark.model.dropout;

import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.AddOp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.shade.jackson.annotation.JsonCreator;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * Additive Gaussian noise, keyed: DL4J's {@link org.deeplearning4j.nn.conf.dropout.GaussianNoise} with a fixed
 * {@code stddev}. Forward {@code out = x + stddev * z} with {@code z} the element's standard normal; backward
 * {@code dx = dout} (the noise does not depend on {@code x}).
 */
public class KeyedGaussianNoise extends KeyedNoise {

    private final double stddev;

    @JsonCreator
    public KeyedGaussianNoise(@JsonProperty("stddev") double stddev, @JsonProperty("layerKey") long layerKey, @JsonProperty("layer") String layer) {
        super(layerKey, layer);
        if (!(stddev >= 0) || Double.isInfinite(stddev)) {
            throw new IllegalArgumentException("Gaussian noise of " + layer + ": stddev must be finite and >= 0, got " + stddev);
        }
        this.stddev = stddev;
    }

    public double getStddev() {
        return stddev;
    }

    @Override
    protected String kind() {
        return "Gaussian noise (stddev " + stddev + ")";
    }

    @Override
    public INDArray applyDropout(INDArray input, INDArray output, int iteration, int epoch, LayerWorkspaceMgr workspaceMgr) {
        DropoutContext.Keys keys = keysFor(input);
        INDArray noise = perExample(keys, input.shape(), output.dataType(), (s, e) -> stddev * CounterRandom.normal(s, e));
        Nd4j.getExecutioner().exec(new AddOp(as(input, output.dataType()), noise, output));
        return output;
    }

    @Override
    public INDArray backprop(INDArray gradAtOutput, INDArray gradAtInput, int iteration, int epoch) {
        return gradAtInput == gradAtOutput ? gradAtInput : gradAtInput.assign(gradAtOutput);
    }

    @Override
    public void clear() {
    }

    @Override
    public KeyedGaussianNoise clone() {
        return new KeyedGaussianNoise(stddev, layerKey, layer);
    }

    @Override
    protected boolean sameSettings(KeyedNoise other) {
        return ((KeyedGaussianNoise) other).stddev == stddev;
    }

    @Override
    public String toString() {
        return "KeyedGaussianNoise(stddev=" + stddev + ", layerKey=" + layerKey + ")";
    }
}
