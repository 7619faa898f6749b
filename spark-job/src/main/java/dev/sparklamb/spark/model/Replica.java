package dev.sparklamb.spark.model;

import dev.sparklamb.optim.TensorLayout;
import dev.sparklamb.optim.kernel.DenseTensor;
import org.deeplearning4j.nn.api.Model;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One DL4J network instance as the trainer uses it: parameters in and out as flat float vectors (DL4J's own
 * flattening order), summed gradients, and forward passes. {@link MultiLayerReplica} and {@link GraphReplica} adapt
 * the two DL4J network kinds.
 */
public abstract class Replica {

    private long parameterVersion = -1;
    private ParameterRoles roles;

    /** The DL4J network. */
    public abstract Model network();

    /** Named tensors in flattening order (DL4J's {@code paramTable()} keys, e.g. {@code 0_W}). */
    public abstract TensorLayout layout();

    /** What each tensor is to the trainer ({@link NetworkCheck}, nothing frozen by name); computed once. */
    public ParameterRoles roles() {
        if (roles == null) {
            roles = NetworkCheck.check(network(), "network '" + getClass().getSimpleName() + "'", java.util.List.of());
        }
        return roles;
    }

    /** DL4J's flat parameter vector (a view: writing it changes the network). */
    public INDArray flatParameters() {
        return network().params();
    }

    /** Number of parameters. */
    public long parameterCount() {
        return network().numParams();
    }

    /** Copies {@code flat} into the network's parameters, unless they already hold {@code version}. */
    public void setParameters(float[] flat, long version) {
        if (version >= 0 && version == parameterVersion) {
            return;
        }
        if (flat.length != parameterCount()) {
            throw new IllegalArgumentException("parameter vector has " + flat.length + " values; the network has " + parameterCount());
        }
        DenseTensor.of(flatParameters(), "parameters", "parameter").write(0, flat, flat.length);
        parameterVersion = version;
    }

    /** A copy of the parameters. */
    public float[] parameters() {
        float[] out = new float[(int) parameterCount()];
        DenseTensor.of(flatParameters(), "parameters", "parameter").read(0, out, out.length);
        return out;
    }

    /**
     * Computes the gradient of the loss summed over the examples (DL4J's {@code computeGradientAndScore} gives the sum
     * over the minibatch for its loss layers) into {@code fullGradient} (one value per parameter, in flattening order;
     * for batch normalization's running statistics, the change DL4J's own step would apply), and returns the summed loss.
     */
    public double gradient(INDArray features, INDArray labels, float[] fullGradient) {
        fit(features, labels);
        DenseTensor.of(flatGradient(), "gradient", "gradient").read(0, fullGradient, fullGradient.length);
        return score() * features.size(0);
    }

    /**
     * As {@link #gradient(INDArray, INDArray, float[])} for masked data (sequences): {@code featureMask} marks the real
     * (not padding) time steps of the input, {@code labelMask} the positions whose labels count in the loss (either may
     * be null). DL4J's loss layers sum the masked-in positions' losses and gradients; the returned loss is that sum
     * (DL4J's score times the number of examples). Masks are cleared again afterwards.
     */
    public double gradient(INDArray features, INDArray featureMask, INDArray labels, INDArray labelMask, float[] fullGradient) {
        try {
            fit(features, featureMask, labels, labelMask);
            DenseTensor.of(flatGradient(), "gradient", "gradient").read(0, fullGradient, fullGradient.length);
            return score() * features.size(0);
        } finally {
            clearMasks();
        }
    }

    /** Sets inputs and labels and runs {@code computeGradientAndScore}. */
    protected abstract void fit(INDArray features, INDArray labels);

    /** Sets inputs, labels and their masks (null: none) and runs {@code computeGradientAndScore}. */
    protected abstract void fit(INDArray features, INDArray featureMask, INDArray labels, INDArray labelMask);

    /** Removes any masks set by {@link #fit(INDArray, INDArray, INDArray, INDArray)}. */
    protected abstract void clearMasks();

    protected abstract INDArray flatGradient();

    protected abstract double score();

    /** Network output (class probabilities for a softmax output layer). */
    public abstract INDArray output(INDArray features);

    /** Network output for masked input (e.g. padded sequences; {@code featureMask} null: none), in inference mode. */
    public abstract INDArray output(INDArray features, INDArray featureMask);

    /** Mean loss over the examples, as the output layer's loss function defines it. */
    public abstract double meanLoss(INDArray features, INDArray labels);
}
