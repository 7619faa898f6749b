package dev.sparklamb.spark.model.dropout;

import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.MulOp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.shade.jackson.annotation.JsonCreator;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * Gaussian dropout (multiplicative Gaussian noise, Srivastava et al. 2014, section 10), keyed: DL4J's
 * {@link org.deeplearning4j.nn.conf.dropout.GaussianDropout} with a fixed {@code rate}.
 *
 * <p>Noise {@code n = 1 + sqrt(rate / (1 - rate)) * z} with {@code z} the element's standard normal; forward
 * {@code out = x * n}, backward {@code dx = dout * n} with the noise of the same forward pass.
 */
public class KeyedGaussianDropout extends KeyedNoise {

    private final double rate;
    private transient INDArray noise;

    @JsonCreator
    public KeyedGaussianDropout(@JsonProperty("rate") double rate, @JsonProperty("layerKey") long layerKey, @JsonProperty("layer") String layer) {
        super(layerKey, layer);
        if (!(rate > 0 && rate < 1)) {
            throw new IllegalArgumentException("Gaussian dropout of " + layer + ": rate must be in (0, 1), got " + rate);
        }
        this.rate = rate;
    }

    public double getRate() {
        return rate;
    }

    /** Standard deviation of the multiplicative noise, {@code sqrt(rate / (1 - rate))}. */
    public double stddev() {
        return Math.sqrt(rate / (1 - rate));
    }

    @Override
    protected String kind() {
        return "Gaussian dropout (rate " + rate + ")";
    }

    @Override
    public INDArray applyDropout(INDArray input, INDArray output, int iteration, int epoch, LayerWorkspaceMgr workspaceMgr) {
        DropoutContext.Keys keys = keysFor(input);
        double sd = stddev();
        noise = perExample(keys, input.shape(), output.dataType(), (s, e) -> 1 + sd * CounterRandom.normal(s, e));
        Nd4j.getExecutioner().exec(new MulOp(as(input, output.dataType()), noise, output));
        return output;
    }

    @Override
    public INDArray backprop(INDArray gradAtOutput, INDArray gradAtInput, int iteration, int epoch) {
        if (noise == null) {
            throw new IllegalStateException(layer + ": Gaussian dropout backprop without noise from a forward pass (cleared already?)");
        }
        Nd4j.getExecutioner().exec(new MulOp(gradAtOutput, as(noise, gradAtInput.dataType()), gradAtInput));
        noise = null;
        return gradAtInput;
    }

    @Override
    public void clear() {
        noise = null;
    }

    @Override
    public KeyedGaussianDropout clone() {
        return new KeyedGaussianDropout(rate, layerKey, layer);
    }

    @Override
    protected boolean sameSettings(KeyedNoise other) {
        return ((KeyedGaussianDropout) other).rate == rate;
    }

    @Override
    public String toString() {
        return "KeyedGaussianDropout(rate=" + rate + ", layerKey=" + layerKey + ")";
    }
}
