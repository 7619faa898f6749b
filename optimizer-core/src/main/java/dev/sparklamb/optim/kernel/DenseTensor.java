package dev.sparklamb.optim.kernel;

import java.nio.FloatBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Direct access to the float elements of a dense ND4J array, in memory order: element {@code i} is
 * {@code buffer.get(base + i)}. Absolute indexing only, so many threads can work on disjoint ranges.
 */
public record DenseTensor(FloatBuffer buffer, int base, int length) {

    /**
     * @param role "parameter" or "gradient", for messages
     */
    public static DenseTensor of(INDArray array, String tensorName, String role) {
        if (array.dataType() != DataType.FLOAT) {
            throw new IllegalArgumentException(role + " tensor '" + tensorName + "' has data type " + array.dataType()
                    + "; optimizer-core works on FLOAT (float32) tensors");
        }
        if (!isDense(array)) {
            throw new IllegalArgumentException(role + " tensor '" + tensorName + "' is not a dense array (shape "
                    + java.util.Arrays.toString(array.shape()) + ", strides " + java.util.Arrays.toString(array.stride())
                    + "); pass a dense array or a view of a contiguous range");
        }
        FloatBuffer buffer = array.data().asNioFloat();
        long base = array.offset();
        if (base + array.length() > buffer.capacity()) {
            throw new IllegalStateException(role + " tensor '" + tensorName + "': view [" + base + ", " + (base + array.length())
                    + ") lies outside its buffer of " + buffer.capacity() + " elements");
        }
        return new DenseTensor(buffer, (int) base, (int) array.length());
    }

    /** True when the array's elements occupy one contiguous range in its own ordering ('c' or 'f'). */
    public static boolean isDense(INDArray array) {
        return hasDefaultStrides(array, array.ordering());
    }

    /**
     * True when traversing {@code array} in memory order visits its elements in the same logical order as an array of
     * ordering {@code order} would: always for vectors and scalars, else when the orderings agree.
     */
    public static boolean sameMemoryOrder(INDArray array, char order) {
        int nonUnit = 0;
        for (long d : array.shape()) {
            if (d > 1) {
                nonUnit++;
            }
        }
        return nonUnit <= 1 || array.ordering() == order;
    }

    private static boolean hasDefaultStrides(INDArray array, char order) {
        long[] shape = array.shape();
        long[] stride = array.stride();
        long expected = 1;
        if (order == 'c') {
            for (int i = shape.length - 1; i >= 0; i--) {
                if (shape[i] > 1 && stride[i] != expected) {
                    return false;
                }
                expected *= shape[i];
            }
        } else {
            for (int i = 0; i < shape.length; i++) {
                if (shape[i] > 1 && stride[i] != expected) {
                    return false;
                }
                expected *= shape[i];
            }
        }
        return true;
    }

    public void read(int from, float[] dst, int count) {
        buffer.get(base + from, dst, 0, count);
    }

    public void write(int from, float[] src, int count) {
        buffer.put(base + from, src, 0, count);
    }
}
