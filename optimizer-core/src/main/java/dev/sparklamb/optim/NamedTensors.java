package dev.sparklamb.optim;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * ND4J arrays bound to a {@link TensorLayout}: parameters, gradients or anything else that has one array per named
 * tensor. The arrays are typically views into one flat buffer (DL4J's {@code paramTable()} and
 * {@code gradient().gradientForVariable()} are), but any dense arrays of the right shape work.
 */
public final class NamedTensors {

    private final TensorLayout layout;
    private final INDArray[] arrays;

    private NamedTensors(TensorLayout layout, INDArray[] arrays) {
        this.layout = layout;
        this.arrays = arrays;
    }

    /** Binds arrays in the map's iteration order (use a {@link java.util.LinkedHashMap}). */
    public static NamedTensors of(Map<String, INDArray> arraysByName) {
        List<TensorSpec> specs = new ArrayList<>(arraysByName.size());
        INDArray[] arrays = new INDArray[arraysByName.size()];
        int i = 0;
        for (Map.Entry<String, INDArray> e : arraysByName.entrySet()) {
            if (e.getValue() == null) {
                throw new IllegalArgumentException("tensor '" + e.getKey() + "' is null");
            }
            specs.add(new TensorSpec(e.getKey(), e.getValue().shape()));
            arrays[i++] = e.getValue();
        }
        return new NamedTensors(new TensorLayout(specs), arrays);
    }

    /** Binds arrays to an existing layout; shapes must match it. */
    public static NamedTensors of(TensorLayout layout, List<INDArray> arrays) {
        if (arrays.size() != layout.size()) {
            throw new IllegalArgumentException("layout has " + layout.size() + " tensors but " + arrays.size() + " arrays were given");
        }
        INDArray[] copy = arrays.toArray(new INDArray[0]);
        for (int i = 0; i < copy.length; i++) {
            if (copy[i] == null || !layout.tensor(i).hasShape(copy[i].shape())) {
                throw new IllegalArgumentException("tensor '" + layout.name(i) + "' expected shape "
                        + java.util.Arrays.toString(layout.tensor(i).shape()) + " but got "
                        + (copy[i] == null ? "null" : java.util.Arrays.toString(copy[i].shape())));
            }
        }
        return new NamedTensors(layout, copy);
    }

    /**
     * Row-major views of each tensor into {@code flat}, a vector (or 1xN row) of {@code layout.totalLength()}
     * elements. Writing through the views writes {@code flat}.
     */
    public static NamedTensors viewsOf(TensorLayout layout, INDArray flat) {
        if (flat.length() != layout.totalLength()) {
            throw new IllegalArgumentException("flat buffer has " + flat.length() + " elements but the layout needs " + layout.totalLength());
        }
        INDArray row = flat.reshape(1, flat.length());
        INDArray[] views = new INDArray[layout.size()];
        for (int i = 0; i < layout.size(); i++) {
            long from = layout.offset(i);
            INDArray segment = row.get(NDArrayIndex.point(0), NDArrayIndex.interval(from, from + layout.length(i)));
            long[] shape = layout.tensor(i).shape();
            views[i] = shape.length == 0 ? segment.reshape() : segment.reshape('c', shape);
        }
        return new NamedTensors(layout, views);
    }

    public TensorLayout layout() {
        return layout;
    }

    public int size() {
        return arrays.length;
    }

    public INDArray get(int index) {
        return arrays[index];
    }

    public INDArray get(String name) {
        int i = layout.indexOf(name);
        if (i < 0) {
            throw new IllegalArgumentException("no tensor named '" + name + "' (have " + layout.tensors() + ")");
        }
        return arrays[i];
    }
}
