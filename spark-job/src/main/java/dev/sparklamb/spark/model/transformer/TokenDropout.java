package dev.sparklamb.spark.model.transformer;

import java.util.List;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.dropout.Dropout;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Dropout of token activations {@code [examples, size, length]}: the identity, with the layer's dropout (DL4J's
 * {@code Dropout} with retain probability {@code 1 - rate}) applied to its input in training. DL4J 1.0.0-M2's own
 * {@code DropoutLayer} fails on such activations when a feature mask is set (it multiplies them by the mask as if they
 * were {@code [examples, size]}). No parameters.
 */
public class TokenDropout extends TokenLayer {

    /** For DL4J's JSON mapper. */
    protected TokenDropout() {
    }

    /** Drops each activation with probability {@code rate} (in (0, 1)), scaling kept ones by {@code 1 / (1 - rate)}. */
    public TokenDropout(long size, double rate) {
        super(size);
        if (!(rate > 0 && rate < 1)) {
            throw new IllegalArgumentException("TokenDropout: rate must be in (0, 1), got " + rate);
        }
        setIDropout(new Dropout(1 - rate));
    }

    @Override
    public List<Param> parameters() {
        return List.of();
    }

    @Override
    protected TokenLayerRuntime<?> runtime(NeuralNetConfiguration conf, DataType dataType) {
        return new Runtime(conf, dataType);
    }

    static final class Runtime extends TokenLayerRuntime<TokenDropout> {
        Runtime(NeuralNetConfiguration conf, DataType dataType) {
            super(conf, dataType);
        }

        @Override
        protected INDArray forward(INDArray rows, int examples, int length, INDArray mask) {
            return rows;
        }

        @Override
        protected INDArray backward(INDArray gradientRows, int examples, int length) {
            return gradientRows;
        }

        @Override
        protected void forget() {
        }
    }
}
