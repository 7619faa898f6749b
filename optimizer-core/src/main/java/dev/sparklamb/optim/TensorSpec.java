package dev.sparklamb.optim;

import java.util.Arrays;
import java.util.Objects;

/**
 * The name and shape of one parameter tensor, e.g. DL4J's {@code 0_W} with shape {@code [784, 512]}.
 *
 * @param name  unique name within its {@link TensorLayout}; exclusion regexes are searched in it
 * @param shape dimensions; an empty shape is a scalar (one element)
 */
public record TensorSpec(String name, long[] shape) implements java.io.Serializable {

    public TensorSpec {
        Objects.requireNonNull(name, "tensor name");
        Objects.requireNonNull(shape, "shape of tensor " + name);
        if (name.isEmpty()) {
            throw new IllegalArgumentException("tensor name must not be empty");
        }
        shape = shape.clone();
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("tensor '" + name + "' has a negative dimension: " + Arrays.toString(shape));
            }
        }
        long n = length(shape);
        if (n > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("tensor '" + name + "' has " + n + " elements; at most " + (Integer.MAX_VALUE - 8) + " are supported per tensor");
        }
    }

    /** Number of elements. */
    public int length() {
        return (int) length(shape);
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** True when {@code otherShape} has the same dimensions as this tensor. */
    public boolean hasShape(long[] otherShape) {
        return Arrays.equals(shape, otherShape);
    }

    private static long length(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorSpec t && t.name.equals(name) && Arrays.equals(t.shape, shape);
    }

    @Override
    public int hashCode() {
        return 31 * name.hashCode() + Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
        return name + Arrays.toString(shape);
    }
}
