package dev.sparklamb.spark.model.dropout;

import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.MulOp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.shade.jackson.annotation.JsonCreator;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * Alpha dropout (Klambauer et al. 2017, "Self-normalizing neural networks"), keyed: DL4J's
 * {@link org.deeplearning4j.nn.conf.dropout.AlphaDropout} with a fixed retain probability {@code p}.
 *
 * <p>With {@code alpha' = -lambda * alpha} (the SELU's negative saturation value),
 * {@code a = 1 / sqrt(p + alpha'^2 p (1 - p))} and {@code b = -a (1 - p) alpha'}, each element is retained
 * ({@code m = 1}) when its uniform {@code u < p}, else {@code m = 0}; forward
 * {@code out = a (x m + alpha' (1 - m)) + b}, backward {@code dx = dout * a * m}. This keeps zero mean and unit
 * variance of SELU activations.
 */
public class KeyedAlphaDropout extends KeyedNoise {

    private final double p;
    private final double alpha;
    private final double lambda;
    private transient INDArray mask;

    @JsonCreator
    public KeyedAlphaDropout(@JsonProperty("p") double p, @JsonProperty("alpha") double alpha, @JsonProperty("lambda") double lambda,
                             @JsonProperty("layerKey") long layerKey, @JsonProperty("layer") String layer) {
        super(layerKey, layer);
        this.p = retainProbability(p, "alpha dropout of " + layer);
        this.alpha = alpha;
        this.lambda = lambda;
    }

    public double getP() {
        return p;
    }

    public double getAlpha() {
        return alpha;
    }

    public double getLambda() {
        return lambda;
    }

    /** {@code alpha' = -lambda * alpha}. */
    public double alphaPrime() {
        return -lambda * alpha;
    }

    /** The affine scale {@code a}. */
    public double a() {
        double ap = alphaPrime();
        return 1 / Math.sqrt(p + ap * ap * p * (1 - p));
    }

    /** The affine shift {@code b}. */
    public double b() {
        return -a() * (1 - p) * alphaPrime();
    }

    @Override
    protected String kind() {
        return "alpha dropout (retain p = " + p + ")";
    }

    @Override
    public INDArray applyDropout(INDArray input, INDArray output, int iteration, int epoch, LayerWorkspaceMgr workspaceMgr) {
        DropoutContext.Keys keys = keysFor(input);
        double a = a();
        mask = perExample(keys, input.shape(), output.dataType(), (s, e) -> CounterRandom.uniform(s, e) < p ? 1.0 : 0.0);
        // out = a * m * x + (a * alpha' * (1 - m) + b)
        INDArray shift = mask.rsub(1.0).muli(a * alphaPrime()).addi(b());
        Nd4j.getExecutioner().exec(new MulOp(as(input, output.dataType()), mask, output));
        output.muli(a).addi(shift);
        return output;
    }

    @Override
    public INDArray backprop(INDArray gradAtOutput, INDArray gradAtInput, int iteration, int epoch) {
        if (mask == null) {
            throw new IllegalStateException(layer + ": alpha dropout backprop without a mask from a forward pass (cleared already?)");
        }
        Nd4j.getExecutioner().exec(new MulOp(gradAtOutput, as(mask, gradAtInput.dataType()), gradAtInput));
        gradAtInput.muli(a());
        mask = null;
        return gradAtInput;
    }

    @Override
    public void clear() {
        mask = null;
    }

    @Override
    public KeyedAlphaDropout clone() {
        return new KeyedAlphaDropout(p, alpha, lambda, layerKey, layer);
    }

    @Override
    protected boolean sameSettings(KeyedNoise other) {
        KeyedAlphaDropout o = (KeyedAlphaDropout) other;
        return o.p == p && o.alpha == alpha && o.lambda == lambda;
    }

    @Override
    public String toString() {
        return "KeyedAlphaDropout(p=" + p + ", alpha=" + alpha + ", lambda=" + lambda + ", layerKey=" + layerKey + ")";
    }
}
