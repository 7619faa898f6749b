package dev.sparklamb.spark.model.transformer;

import java.util.List;
import java.util.Objects;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Learned position embeddings (as in BERT): adds row {@code t} of the {@code [maxLength, size]} table {@value #TABLE}
 * to the features of position {@code t}. Sequences of length {@code L <= maxLength} use the first {@code L} rows, so
 * the same parameters serve every length up to {@code maxLength} (e.g. 64 then 128 in a two-stage run); rows beyond
 * {@code L} get a zero gradient. Initialised normal with standard deviation {@code initStd}. A longer input is refused
 * with a message naming {@code lengthKey}, the setting of the maximum.
 */
public class PositionEmbedding extends InitializedTokenLayer {

    public static final String TABLE = "P";

    private long maxLength;
    private String lengthKey;

    /** For DL4J's JSON mapper. */
    protected PositionEmbedding() {
    }

    public PositionEmbedding(long size, long maxLength, double initStd, String lengthKey) {
        super(size, initStd);
        if (maxLength < 1) {
            throw new IllegalArgumentException(lengthKey + " must be >= 1, got " + maxLength);
        }
        this.maxLength = maxLength;
        this.lengthKey = lengthKey;
    }

    public long getMaxLength() {
        return maxLength;
    }

    public void setMaxLength(long maxLength) {
        this.maxLength = maxLength;
    }

    public String getLengthKey() {
        return lengthKey;
    }

    public void setLengthKey(String lengthKey) {
        this.lengthKey = lengthKey;
    }

    @Override
    public List<Param> parameters() {
        return List.of(Param.normal(TABLE, maxLength, getSize(), getInitStd()));
    }

    @Override
    protected TokenLayerRuntime<?> runtime(NeuralNetConfiguration conf, DataType dataType) {
        return new Runtime(conf, dataType);
    }

    static final class Runtime extends TokenLayerRuntime<PositionEmbedding> {
        Runtime(NeuralNetConfiguration conf, DataType dataType) {
            super(conf, dataType);
        }

        @Override
        protected INDArray forward(INDArray rows, int examples, int length, INDArray mask) {
            PositionEmbedding c = layerConf();
            if (length > c.getMaxLength()) {
                throw new IllegalArgumentException("sequences of length " + length + " are longer than the position embeddings' "
                        + c.getMaxLength() + " positions (" + c.getLengthKey() + " = " + c.getMaxLength() + ")");
            }
            INDArray used = param(TABLE, rows.dataType()).get(NDArrayIndex.interval(0, length), NDArrayIndex.all());
            return rows.add(Nd4j.tile(used, examples, 1));
        }

        @Override
        protected INDArray backward(INDArray dy, int examples, int length) {
            INDArray table = Nd4j.zeros(dy.dataType(), layerConf().getMaxLength(), dy.size(1));
            table.get(NDArrayIndex.interval(0, length), NDArrayIndex.all()).assign(dy.reshape('c', examples, length, dy.size(1)).sum(0));
            setGradient(TABLE, table);
            return dy;
        }

        @Override
        protected void forget() {
        }
    }

    @Override
    public boolean equals(Object o) {
        return super.equals(o) && ((PositionEmbedding) o).maxLength == maxLength
                && Objects.equals(((PositionEmbedding) o).lengthKey, lengthKey);
    }

    @Override
    public int hashCode() {
        return Objects.hash(super.hashCode(), maxLength, lengthKey);
    }
}
