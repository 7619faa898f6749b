package dev.sparklamb.spark.model.transformer;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.BaseLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The runtime of a {@link TokenLayer}: turns DL4J's {@code [examples, size, length]} activations into rows
 * {@code [examples * length, size]} (row {@code n * length + t} is position {@code t} of example {@code n}), runs the
 * layer's hand-written forward and backward passes on the rows, outside DL4J's workspaces (what the forward pass keeps
 * for the backward pass lives on the heap), and writes parameter gradients into DL4J's gradient views, so that
 * DL4J's flat gradient vector holds them like any layer's. The feature mask {@code [examples, length]} that DL4J
 * propagates to the layer is passed on unchanged. A dropout set on the layer applies to its input, as for DL4J's
 * layers (the trainer replaces it with its keyed equivalent, one mask per example, over the {@code [size, length]}
 * activations of each).
 */
abstract class TokenLayerRuntime<C extends TokenLayer> extends BaseLayer<C> {

    /** The input the cached forward pass was computed from (identity), or null. */
    private INDArray cachedFor;

    TokenLayerRuntime(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    /** Forward pass on rows; may keep what the backward pass needs. {@code mask}: {@code [examples, length]} or null. */
    protected abstract INDArray forward(INDArray rows, int examples, int length, INDArray mask);

    /** Backward pass on rows after {@link #forward} of the same input: writes parameter gradients, returns the input gradient rows. */
    protected abstract INDArray backward(INDArray gradientRows, int examples, int length);

    /** Drops what {@link #forward} kept. */
    protected abstract void forget();

    static INDArray toRows(INDArray x) {
        long n = x.size(0);
        long size = x.size(1);
        long length = x.size(2);
        return x.permute(0, 2, 1).dup('c').reshape('c', n * length, size);
    }

    static INDArray fromRows(INDArray rows, long examples, long length) {
        return rows.reshape('c', examples, length, rows.size(1)).permute(0, 2, 1).dup('c');
    }

    private void checkInput() {
        if (input.rank() != 3 || input.size(1) != layerConf().getSize()) {
            throw new IllegalArgumentException(layerConf().getClass().getSimpleName() + " '" + layerConf().getLayerName()
                    + "' expects activations [examples, " + layerConf().getSize() + ", length], got " + java.util.Arrays.toString(input.shape()));
        }
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(false);
        checkInput();
        applyDropOutIfNecessary(training, workspaceMgr); // the layer's dropout, on its input (DL4J's semantics)
        INDArray out;
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            int examples = (int) input.size(0);
            int length = (int) input.size(2);
            out = fromRows(forward(toRows(input.dup()), examples, length, maskArray == null ? null : maskArray.dup()), examples, length);
            if (training) {
                cachedFor = input;
            } else {
                forget(); // inference: nothing to keep for a backward pass
                cachedFor = null;
            }
        }
        return workspaceMgr.dup(ArrayType.ACTIVATIONS, out);
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(true);
        INDArray dx;
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            int examples = (int) input.size(0);
            int length = (int) input.size(2);
            if (cachedFor != input) {
                forward(toRows(input.dup()), examples, length, maskArray == null ? null : maskArray.dup());
            }
            dx = fromRows(backward(toRows(epsilon.dup()), examples, length), examples, length);
            forget();
            cachedFor = null;
        }
        dx = backpropDropOutIfPresent(dx);
        Gradient g = new DefaultGradient(gradientsFlattened);
        for (String key : layerConf().parameters().stream().map(TokenLayer.Param::name).toList()) {
            g.gradientForVariable().put(key, gradientViews.get(key));
        }
        return new Pair<>(g, workspaceMgr.dup(ArrayType.ACTIVATION_GRAD, dx));
    }

    /** Writes {@code value} into the gradient view of parameter {@code key}. */
    protected void setGradient(String key, INDArray value) {
        INDArray view = gradientViews.get(key);
        view.assign(value.reshape('c', view.shape()));
    }

    /** The parameter {@code key} (a view of DL4J's flat parameter vector), in the computation's data type. */
    protected INDArray param(String key, DataType type) {
        INDArray p = params.get(key);
        return p.dataType() == type ? p : p.castTo(type);
    }

    @Override
    public void clear() {
        super.clear();
        forget();
        cachedFor = null;
    }

    @Override
    public boolean isPretrainLayer() {
        return false;
    }

    @Override
    public void clearNoiseWeightParams() {
        // no weight noise (refused by NetworkCheck)
    }
}
