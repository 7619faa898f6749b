package dev.sparklamb.spark.model.transformer;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Base of spark-lamb's transformer layers: DL4J layer configurations whose forward and backward passes are written
 * out by hand ({@link TokenLayerRuntime}), not with SameDiff (whose backward pass is wrong in DL4J 1.0.0-M2, see
 * docs/models.md). Input and output are DL4J recurrent activations {@code [examples, size, length]} (NCW); each
 * layer works on the {@code examples * length} positions as rows of {@code size} features.
 *
 * <p>Parameters are initialised by the layer itself ({@link Param#init}), from ND4J's random generator, which DL4J
 * seeds with the network's seed before initialisation; DL4J's {@code weightInit} is not used (setting one other than
 * the network default is refused by {@code NetworkCheck}). Settings are bean properties (DL4J's JSON mapper writes
 * and reads them; executors build replicas from that JSON) and take part in {@link #equals}.
 */
public abstract class TokenLayer extends BaseLayer {

    /** How a parameter starts: all ones, all zeros, or normal with standard deviation {@code std}. */
    public record Param(String name, long rows, long columns, boolean bias, double std, double constant) {
        static Param normal(String name, long rows, long columns, double std) {
            return new Param(name, rows, columns, false, std, 0);
        }

        static Param constant(String name, long columns, boolean bias, double value) {
            return new Param(name, 1, columns, bias, 0, value);
        }

        long length() {
            return rows * columns;
        }

        void init(INDArray view) {
            if (std > 0) {
                view.assign(org.nd4j.linalg.factory.Nd4j.randn(view.dataType(), view.shape()).muli(std));
            } else {
                view.assign(constant);
            }
        }
    }

    /** Features per position (the hidden size). */
    private long size;

    protected TokenLayer() {
    }

    protected TokenLayer(long size) {
        if (size < 1) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": size must be >= 1, got " + size);
        }
        this.size = size;
    }

    public long getSize() {
        return size;
    }

    public void setSize(long size) {
        this.size = size;
    }

    /** The layer's parameters, in flattening order. */
    public abstract List<Param> parameters();

    /** A new runtime layer for this configuration. */
    protected abstract TokenLayerRuntime<?> runtime(NeuralNetConfiguration conf, DataType dataType);

    @Override
    public org.deeplearning4j.nn.api.Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> listeners, int layerIndex,
                                                       INDArray layerParamsView, boolean initializeParams, DataType networkDataType) {
        TokenLayerRuntime<?> layer = runtime(conf, networkDataType);
        layer.setListeners(listeners);
        layer.setIndex(layerIndex);
        layer.setParamsViewArray(layerParamsView);
        Map<String, INDArray> table = initializer().init(conf, layerParamsView, initializeParams);
        layer.setParamTable(table);
        layer.setConf(conf);
        return layer;
    }

    @Override
    public ParamInitializer initializer() {
        return new TokenParamInitializer();
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        return inputType;
    }

    @Override
    public void setNIn(InputType inputType, boolean override) {
        // sizes are set explicitly
    }

    @Override
    public InputPreProcessor getPreProcessorForInputType(InputType inputType) {
        return null;
    }

    @Override
    public boolean isPretrainParam(String paramName) {
        return false;
    }

    @Override
    public LayerMemoryReport getMemoryReport(InputType inputType) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " has no memory report");
    }

    @Override
    public boolean equals(Object o) {
        return super.equals(o) && o.getClass() == getClass() && ((TokenLayer) o).size == size;
    }

    @Override
    public int hashCode() {
        return Objects.hash(super.hashCode(), size);
    }
}
