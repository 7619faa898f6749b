package dev.sparklamb.optim;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * An ordered set of named tensors laid end to end over one flat buffer: tensor {@code i} occupies
 * {@code [offset(i), offset(i) + length(i))}. This is the shape of DL4J's flattened parameter and gradient
 * vectors, and the unit the trust ratio is computed over.
 */
public final class TensorLayout implements java.io.Serializable {

    private static final long serialVersionUID = 1L;

    private final List<TensorSpec> tensors;
    private final long[] offsets;
    private final Map<String, Integer> indexByName;
    private final long totalLength;

    public TensorLayout(List<TensorSpec> tensors) {
        if (tensors == null || tensors.isEmpty()) {
            throw new IllegalArgumentException("a tensor layout needs at least one tensor");
        }
        this.tensors = List.copyOf(tensors);
        this.offsets = new long[tensors.size()];
        this.indexByName = new HashMap<>();
        long offset = 0;
        for (int i = 0; i < tensors.size(); i++) {
            TensorSpec spec = tensors.get(i);
            if (indexByName.put(spec.name(), i) != null) {
                throw new IllegalArgumentException("tensor name '" + spec.name() + "' appears twice in the layout");
            }
            offsets[i] = offset;
            offset += spec.length();
        }
        this.totalLength = offset;
    }

    /** Convenience: a layout from (name, shape) pairs in order. */
    public static TensorLayout of(Object... nameShapePairs) {
        if (nameShapePairs.length % 2 != 0) {
            throw new IllegalArgumentException("expected name, shape pairs");
        }
        List<TensorSpec> specs = new ArrayList<>();
        for (int i = 0; i < nameShapePairs.length; i += 2) {
            specs.add(new TensorSpec((String) nameShapePairs[i], (long[]) nameShapePairs[i + 1]));
        }
        return new TensorLayout(specs);
    }

    public int size() {
        return tensors.size();
    }

    public TensorSpec tensor(int index) {
        return tensors.get(index);
    }

    public List<TensorSpec> tensors() {
        return Collections.unmodifiableList(tensors);
    }

    public String name(int index) {
        return tensors.get(index).name();
    }

    public long offset(int index) {
        return offsets[index];
    }

    public int length(int index) {
        return tensors.get(index).length();
    }

    /** Total number of elements over all tensors. */
    public long totalLength() {
        return totalLength;
    }

    /** Index of the tensor with this name, or -1. */
    public int indexOf(String name) {
        Integer i = indexByName.get(name);
        return i == null ? -1 : i;
    }

    /**
     * Fails with a message naming the first tensor that differs (name, order or shape) between this layout and
     * {@code other}.
     *
     * @param what what {@code other} describes, for the message (e.g. "gradient", "checkpoint state")
     */
    public void requireSameAs(TensorLayout other, String what) {
        if (other == this) {
            return;
        }
        int n = Math.min(size(), other.size());
        for (int i = 0; i < n; i++) {
            TensorSpec mine = tensor(i);
            TensorSpec theirs = other.tensor(i);
            if (!mine.name().equals(theirs.name())) {
                throw new IllegalArgumentException(what + " tensor #" + i + " is '" + theirs.name() + "' but the parameters have '"
                        + mine.name() + "' there");
            }
            if (!mine.equals(theirs)) {
                throw new IllegalArgumentException(what + " tensor '" + mine.name() + "' has shape " + Arrays.toString(theirs.shape())
                        + " but the parameter has shape " + Arrays.toString(mine.shape()));
            }
        }
        if (size() != other.size()) {
            String extra = size() > other.size() ? "missing tensor '" + name(n) + "'" : "unexpected extra tensor '" + other.name(n) + "'";
            throw new IllegalArgumentException(what + " has " + other.size() + " tensors but the parameters have " + size() + ": " + extra);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorLayout l && l.tensors.equals(tensors);
    }

    @Override
    public int hashCode() {
        return tensors.hashCode();
    }

    @Override
    public String toString() {
        return "TensorLayout" + tensors + " (" + totalLength + " elements)";
    }
}
