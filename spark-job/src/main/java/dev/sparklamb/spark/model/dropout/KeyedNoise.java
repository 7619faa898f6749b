package dev.sparklamb.spark.model.dropout;

import java.util.Objects;
import org.deeplearning4j.nn.conf.dropout.IDropout;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.shade.jackson.annotation.JsonIgnoreProperties;

/**
 * Base of the keyed dropouts: an {@link IDropout} that draws its noise from {@link CounterRandom} with keys from the
 * thread's {@link DropoutContext} and its own layer key, instead of from ND4J's per-thread random generator.
 *
 * <p>Row {@code r} of the activations (dimension 0) is example {@code exampleIds[r]} of the open context; element
 * {@code e} of an example is its C-order flat index within that example's activations. The activations must have
 * exactly one row per example: a layer that sees several rows per example (e.g. after a recurrent-to-feed-forward
 * reshape) is refused at training time rather than given a mask that depends on the reshape.
 *
 * <p>Like DL4J's own dropouts, an instance keeps the noise of its last forward pass for the backward pass; one
 * instance therefore belongs to one network (build each replica from its own configuration) and is not thread-safe.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public abstract class KeyedNoise implements IDropout {

    /** See {@link KeyedDropouts}: which layer (and which layer inside a wrapper) this instance belongs to. */
    protected final long layerKey;
    /** Human-readable layer description, for error messages. */
    protected final String layer;

    protected KeyedNoise(long layerKey, String layer) {
        this.layerKey = layerKey;
        this.layer = layer == null ? "layer key " + layerKey : layer;
    }

    public long getLayerKey() {
        return layerKey;
    }

    public String getLayer() {
        return layer;
    }

    /** Short name of the noise kind, for messages. */
    protected abstract String kind();

    /**
     * The keys of the thread's open context, checked against the activations.
     *
     * @throws IllegalStateException if no context is open or its example count is not the activations' row count
     */
    protected DropoutContext.Keys keysFor(INDArray activations) {
        DropoutContext.Keys keys = DropoutContext.current();
        if (keys == null) {
            throw new IllegalStateException(layer + " applies " + kind() + " in training mode, but no DropoutContext is open on thread '"
                    + Thread.currentThread().getName() + "'; open DropoutContext.open(seed, step, exampleIds) around the forward/backward pass");
        }
        if (activations.rank() < 1 || activations.size(0) != keys.rows()) {
            throw new IllegalStateException(layer + " applies " + kind() + " to activations of shape "
                    + java.util.Arrays.toString(activations.shape()) + ", but the open DropoutContext has " + keys.rows()
                    + " example ids; keyed dropout needs exactly one activation row per example (dimension 0)");
        }
        return keys;
    }

    /** A value of one element of one example's stream. */
    @FunctionalInterface
    protected interface ElementValue {
        double at(long stream, long element);
    }

    /**
     * A new C-order array, outside any workspace, of the given shape (dimension 0: the context's examples) and type,
     * whose element {@code e} of row {@code r} is {@code value.at(stream of exampleIds[r], e)}.
     */
    protected INDArray perExample(DropoutContext.Keys keys, long[] shape, DataType type, ElementValue value) {
        long perRow = 1;
        for (int d = 1; d < shape.length; d++) {
            perRow *= shape[d];
        }
        long total = perRow * keys.rows();
        if (total > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(layer + ": " + kind() + " on " + total + " elements in one micro-batch is more than one array can hold; use smaller micro-batches");
        }
        double[] values = new double[(int) total];
        long[] ids = keys.exampleIds();
        int k = 0;
        for (int r = 0; r < ids.length; r++) {
            long stream = CounterRandom.stream(keys.seed(), keys.step(), layerKey, ids[r]);
            for (long e = 0; e < perRow; e++) {
                values[k++] = value.at(stream, e);
            }
        }
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            INDArray d = Nd4j.create(values, shape, 'c');
            return d.dataType() == type ? d : d.castTo(type);
        }
    }

    /** {@code array} in {@code type} (itself if it already is). */
    protected static INDArray as(INDArray array, DataType type) {
        return array.dataType() == type ? array : array.castTo(type);
    }

    /** Requires a retain probability in (0, 1]. */
    protected static double retainProbability(double p, String what) {
        if (!(p > 0 && p <= 1)) {
            throw new IllegalArgumentException(what + ": retain probability p must be in (0, 1], got " + p);
        }
        return p;
    }

    @Override
    public abstract KeyedNoise clone();

    @Override
    public boolean equals(Object o) {
        return o != null && o.getClass() == getClass() && ((KeyedNoise) o).layerKey == layerKey
                && Objects.equals(((KeyedNoise) o).layer, layer) && sameSettings((KeyedNoise) o);
    }

    /** Whether {@code other} (same class) has the same hyper-parameters. */
    protected abstract boolean sameSettings(KeyedNoise other);

    @Override
    public int hashCode() {
        return Objects.hash(getClass(), layerKey, layer);
    }
}
