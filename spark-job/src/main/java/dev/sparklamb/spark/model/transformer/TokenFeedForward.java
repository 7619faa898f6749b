package dev.sparklamb.spark.model.transformer;

import java.util.List;
import java.util.Objects;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The position-wise feed-forward part of a transformer block: for each position's features {@code x} (a row of
 * {@code size} values) on its own, {@code gelu(x W1 + b1) W2 + b2}, with {@code W1 [size, inner]}, {@code b1 [1, inner]},
 * {@code W2 [inner, size]}, {@code b2 [1, size]}. GELU is BERT's tanh form
 * {@code 0.5 v (1 + tanh(sqrt(2/pi) (v + 0.044715 v^3)))}. Weights initialised normal with standard deviation
 * {@code initStd}, biases 0.
 */
public class TokenFeedForward extends InitializedTokenLayer {

    public static final String W1 = "W1";
    public static final String B1 = "b1";
    public static final String W2 = "W2";
    public static final String B2 = "b2";
    private static final double C = Math.sqrt(2 / Math.PI);
    private static final double A = 0.044715;

    private long inner;

    /** For DL4J's JSON mapper. */
    protected TokenFeedForward() {
    }

    public TokenFeedForward(long size, long inner, double initStd) {
        super(size, initStd);
        if (inner < 1) {
            throw new IllegalArgumentException("TokenFeedForward: inner size must be >= 1, got " + inner);
        }
        this.inner = inner;
    }

    public long getInner() {
        return inner;
    }

    public void setInner(long inner) {
        this.inner = inner;
    }

    @Override
    public List<Param> parameters() {
        return List.of(Param.normal(W1, getSize(), inner, getInitStd()), Param.constant(B1, inner, true, 0.0),
                Param.normal(W2, inner, getSize(), getInitStd()), Param.constant(B2, getSize(), true, 0.0));
    }

    @Override
    protected TokenLayerRuntime<?> runtime(NeuralNetConfiguration conf, DataType dataType) {
        return new Runtime(conf, dataType);
    }

    static final class Runtime extends TokenLayerRuntime<TokenFeedForward> {
        private INDArray x;
        private INDArray pre;
        private INDArray tanh;
        private INDArray hidden;

        Runtime(NeuralNetConfiguration conf, DataType dataType) {
            super(conf, dataType);
        }

        @Override
        protected INDArray forward(INDArray rows, int examples, int length, INDArray mask) {
            DataType t = rows.dataType();
            x = rows;
            pre = rows.mmul(param(W1, t)).addiRowVector(param(B1, t));
            tanh = Transforms.tanh(pre.mul(pre).muli(A).addi(1.0).muli(pre).muli(C), false);
            hidden = tanh.add(1.0).muli(pre).muli(0.5);
            return hidden.mmul(param(W2, t)).addiRowVector(param(B2, t));
        }

        @Override
        protected INDArray backward(INDArray dy, int examples, int length) {
            DataType t = dy.dataType();
            setGradient(W2, hidden.transpose().mmul(dy));
            setGradient(B2, dy.sum(0));
            INDArray dHidden = dy.mmul(param(W2, t).transpose());
            // d gelu / dv = 0.5 (1 + tanh) + 0.5 v (1 - tanh^2) C (1 + 3 A v^2)
            INDArray slope = tanh.mul(tanh).rsubi(1.0).muli(pre).muli(0.5 * C).muli(pre.mul(pre).muli(3 * A).addi(1.0))
                    .addi(tanh.add(1.0).muli(0.5));
            INDArray dPre = dHidden.muli(slope);
            setGradient(W1, x.transpose().mmul(dPre));
            setGradient(B1, dPre.sum(0));
            return dPre.mmul(param(W1, t).transpose());
        }

        @Override
        protected void forget() {
            x = null;
            pre = null;
            tanh = null;
            hidden = null;
        }
    }

    @Override
    public boolean equals(Object o) {
        return super.equals(o) && ((TokenFeedForward) o).inner == inner;
    }

    @Override
    public int hashCode() {
        return Objects.hash(super.hashCode(), inner);
    }
}
