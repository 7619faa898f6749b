package dev.sparklamb.spark.model.transformer;

import java.util.List;
import java.util.Objects;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastAddOp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Multi-head scaled dot-product self-attention (Vaswani et al. 2017), as in BERT: for each example, with the positions'
 * features as rows {@code X [L, size]}, {@code Q = X Wq + bq}, {@code K = X Wk + bk}, {@code V = X Wv + bv}; each of the
 * {@code heads} heads takes its {@code size / heads} columns and computes {@code softmax(Q_h K_h^T / sqrt(size/heads)) V_h},
 * where padded positions (feature mask 0) are excluded as keys (their attention weight is exactly 0); the heads'
 * results, concatenated, are projected: {@code out = O Wo + bo}. Weights {@code [size, size]} initialised normal with
 * standard deviation {@code initStd}, biases 0. Written out by hand because DL4J 1.0.0-M2's {@code SelfAttentionLayer}
 * (a SameDiff layer) has wrong gradients.
 */
public class MultiHeadSelfAttention extends InitializedTokenLayer {

    public static final String WQ = "Wq";
    public static final String BQ = "bq";
    public static final String WK = "Wk";
    public static final String BK = "bk";
    public static final String WV = "Wv";
    public static final String BV = "bv";
    public static final String WO = "Wo";
    public static final String BO = "bo";
    /** Added to the scores of padded keys: their softmax weight underflows to exactly 0 in float and double. */
    static final double MASKED = -1e9;

    private int heads;

    /** For DL4J's JSON mapper. */
    protected MultiHeadSelfAttention() {
    }

    public MultiHeadSelfAttention(long size, int heads, double initStd) {
        super(size, initStd);
        if (heads < 1 || size % heads != 0) {
            throw new IllegalArgumentException("MultiHeadSelfAttention: heads (" + heads + ") must be >= 1 and divide the size (" + size + ")");
        }
        this.heads = heads;
    }

    public int getHeads() {
        return heads;
    }

    public void setHeads(int heads) {
        this.heads = heads;
    }

    @Override
    public List<Param> parameters() {
        long n = getSize();
        return List.of(Param.normal(WQ, n, n, getInitStd()), Param.constant(BQ, n, true, 0.0), Param.normal(WK, n, n, getInitStd()),
                Param.constant(BK, n, true, 0.0), Param.normal(WV, n, n, getInitStd()), Param.constant(BV, n, true, 0.0),
                Param.normal(WO, n, n, getInitStd()), Param.constant(BO, n, true, 0.0));
    }

    @Override
    protected TokenLayerRuntime<?> runtime(NeuralNetConfiguration conf, DataType dataType) {
        return new Runtime(conf, dataType);
    }

    static final class Runtime extends TokenLayerRuntime<MultiHeadSelfAttention> {
        private INDArray x;
        private INDArray q;
        private INDArray k;
        private INDArray v;
        private INDArray weights;
        private INDArray merged;

        Runtime(NeuralNetConfiguration conf, DataType dataType) {
            super(conf, dataType);
        }

        private int heads() {
            return layerConf().getHeads();
        }

        /** Rows {@code [examples * L, size]} to per-head blocks {@code [examples * heads, L, size / heads]}. */
        private INDArray split(INDArray rows, int examples, int length) {
            long d = rows.size(1) / heads();
            return rows.reshape('c', examples, length, heads(), d).permute(0, 2, 1, 3).dup('c').reshape('c', (long) examples * heads(), length, d);
        }

        /** Inverse of {@link #split}. */
        private INDArray merge(INDArray blocks, int examples, int length) {
            long d = blocks.size(2);
            return blocks.reshape('c', examples, heads(), length, d).permute(0, 2, 1, 3).dup('c').reshape('c', (long) examples * length, heads() * d);
        }

        @Override
        protected INDArray forward(INDArray rows, int examples, int length, INDArray mask) {
            DataType t = rows.dataType();
            x = rows;
            q = split(rows.mmul(param(WQ, t)).addiRowVector(param(BQ, t)), examples, length);
            k = split(rows.mmul(param(WK, t)).addiRowVector(param(BK, t)), examples, length);
            v = split(rows.mmul(param(WV, t)).addiRowVector(param(BV, t)), examples, length);
            double scale = 1.0 / Math.sqrt(q.size(2));
            INDArray scores = Nd4j.matmul(q, k, false, true, false).muli(scale); // [examples * heads, L, L]
            if (mask != null) {
                INDArray bias = mask.castTo(t).rsub(1.0).muli(MASKED);           // [examples, L]: 0 real, MASKED padding
                INDArray s4 = scores.reshape('c', examples, heads(), length, length);
                Nd4j.getExecutioner().exec(new BroadcastAddOp(s4, bias, s4, 0, 3));
                scores = s4.reshape('c', (long) examples * heads(), length, length);
            }
            INDArray s2 = scores.reshape('c', (long) examples * heads() * length, length);
            INDArray e = Transforms.exp(s2.subColumnVector(s2.max(1).reshape(s2.size(0), 1)), false);
            weights = e.diviColumnVector(e.sum(1).reshape(e.size(0), 1)).reshape('c', (long) examples * heads(), length, length);
            merged = merge(Nd4j.matmul(weights, v), examples, length);
            return merged.mmul(param(WO, t)).addiRowVector(param(BO, t));
        }

        @Override
        protected INDArray backward(INDArray dy, int examples, int length) {
            DataType t = dy.dataType();
            setGradient(WO, merged.transpose().mmul(dy));
            setGradient(BO, dy.sum(0));
            INDArray dHeads = split(dy.mmul(param(WO, t).transpose()), examples, length);
            INDArray dWeights = Nd4j.matmul(dHeads, v, false, true, false);          // [B, L, L]
            INDArray dV = Nd4j.matmul(weights, dHeads, true, false, false);           // [B, L, d]
            INDArray w2 = weights.reshape('c', weights.length() / length, length);
            INDArray dw2 = dWeights.reshape('c', w2.size(0), length);
            INDArray rowDot = dw2.mul(w2).sum(1).reshape(w2.size(0), 1);
            INDArray dScores = dw2.subColumnVector(rowDot).muli(w2).muli(1.0 / Math.sqrt(q.size(2)))
                    .reshape('c', weights.size(0), length, length);
            INDArray dQ = merge(Nd4j.matmul(dScores, k), examples, length);
            INDArray dK = merge(Nd4j.matmul(dScores, q, true, false, false), examples, length);
            INDArray dVRows = merge(dV, examples, length);
            INDArray xt = x.transpose();
            setGradient(WQ, xt.mmul(dQ));
            setGradient(BQ, dQ.sum(0));
            setGradient(WK, xt.mmul(dK));
            setGradient(BK, dK.sum(0));
            setGradient(WV, xt.mmul(dVRows));
            setGradient(BV, dVRows.sum(0));
            return dQ.mmul(param(WQ, t).transpose()).addi(dK.mmul(param(WK, t).transpose())).addi(dVRows.mmul(param(WV, t).transpose()));
        }

        @Override
        protected void forget() {
            x = null;
            q = null;
            k = null;
            v = null;
            weights = null;
            merged = null;
        }
    }

    @Override
    public boolean equals(Object o) {
        return super.equals(o) && ((MultiHeadSelfAttention) o).heads == heads;
    }

    @Override
    public int hashCode() {
        return Objects.hash(super.hashCode(), heads);
    }
}
