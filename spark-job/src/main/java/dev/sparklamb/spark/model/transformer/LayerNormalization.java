package dev.sparklamb.spark.model.transformer;

import java.util.List;
import java.util.Objects;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Layer normalization (Ba, Kiros and Hinton 2016) of each position over its {@code size} features:
 * {@code y = (x - mean) / sqrt(var + epsilon) * gain + bias}, mean and biased variance over the position's features,
 * learned {@value #GAIN} (initialised to 1) and {@value #BIAS} (0), {@code [1, size]} each. DL4J 1.0.0-M2 has no layer
 * normalization layer.
 */
public class LayerNormalization extends TokenLayer {

    public static final String GAIN = "gain";
    public static final String BIAS = "bias";

    private double epsilon;

    /** For DL4J's JSON mapper. */
    protected LayerNormalization() {
    }

    public LayerNormalization(long size, double epsilon) {
        super(size);
        if (!(epsilon > 0)) {
            throw new IllegalArgumentException("LayerNormalization: epsilon must be > 0, got " + epsilon);
        }
        this.epsilon = epsilon;
    }

    public double getEpsilon() {
        return epsilon;
    }

    public void setEpsilon(double epsilon) {
        this.epsilon = epsilon;
    }

    @Override
    public List<Param> parameters() {
        return List.of(Param.constant(GAIN, getSize(), false, 1.0), Param.constant(BIAS, getSize(), true, 0.0));
    }

    @Override
    protected TokenLayerRuntime<?> runtime(NeuralNetConfiguration conf, DataType dataType) {
        return new Runtime(conf, dataType);
    }

    static final class Runtime extends TokenLayerRuntime<LayerNormalization> {
        private INDArray normalized;
        private INDArray inverseStd;

        Runtime(NeuralNetConfiguration conf, DataType dataType) {
            super(conf, dataType);
        }

        @Override
        protected INDArray forward(INDArray rows, int examples, int length, INDArray mask) {
            long n = rows.size(0);
            INDArray mean = rows.mean(1).reshape(n, 1);
            INDArray centred = rows.subColumnVector(mean);
            INDArray variance = centred.mul(centred).mean(1).reshape(n, 1);
            inverseStd = Transforms.pow(variance.add(layerConf().getEpsilon()), -0.5, false);
            normalized = centred.muliColumnVector(inverseStd);
            return normalized.mulRowVector(param(GAIN, rows.dataType())).addiRowVector(param(BIAS, rows.dataType()));
        }

        @Override
        protected INDArray backward(INDArray dy, int examples, int length) {
            long n = dy.size(0);
            setGradient(GAIN, dy.mul(normalized).sum(0));
            setGradient(BIAS, dy.sum(0));
            INDArray dNormalized = dy.mulRowVector(param(GAIN, dy.dataType()));
            INDArray meanD = dNormalized.mean(1).reshape(n, 1);
            INDArray meanDx = dNormalized.mul(normalized).mean(1).reshape(n, 1);
            return dNormalized.subColumnVector(meanD).subi(normalized.mulColumnVector(meanDx)).muliColumnVector(inverseStd);
        }

        @Override
        protected void forget() {
            normalized = null;
            inverseStd = null;
        }
    }

    @Override
    public boolean equals(Object o) {
        return super.equals(o) && ((LayerNormalization) o).epsilon == epsilon;
    }

    @Override
    public int hashCode() {
        return Objects.hash(super.hashCode(), epsilon);
    }
}
