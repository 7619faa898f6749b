package dev.sparklamb.optim;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** Building, binding, copying and reading float32 test tensors. */
final class TestTensors {

    private TestTensors() {
    }

    /** How parameter (and gradient) arrays are laid out in memory. */
    enum Binding {
        /** One dense 'c' array per tensor. */
        SEPARATE_C,
        /** {@link NamedTensors#viewsOf}: row-major views into one flat buffer. */
        FLAT_VIEWS,
        /** DL4J-like: views into one flat buffer, tensors of rank >= 2 reshaped with {@code reshape('f', ...)}. */
        F_VIEWS,
        /** Parameters as {@link #F_VIEWS}, gradients as separate 'c' arrays (the optimizer must reorder them). */
        F_VIEWS_C_GRADIENTS
    }

    /** Tensors bound to a layout, plus the flat buffer behind them when there is one (else null). */
    record Bound(NamedTensors tensors, INDArray flat) {
    }

    /** A dense float32 array whose memory (in {@code order}) holds {@code values}. */
    static INDArray array(float[] values, long[] shape, char order) {
        if (shape.length == 0) {
            return Nd4j.scalar(values[0]);
        }
        INDArray a = Nd4j.create(values.clone(), shape, order);
        assertThat(a.dataType()).isEqualTo(DataType.FLOAT);
        return a;
    }

    /** Elements of {@code a} in the memory order of an array of ordering {@code order} (a copy). */
    static float[] elements(INDArray a, char order) {
        if (a.rank() == 0) {
            return new float[] {a.getFloat(0)};
        }
        return Nd4j.toFlattened(order, a).toFloatVector();
    }

    /** Elements of {@code a} in its own memory order (the order of the optimizer's moments for a parameter). */
    static float[] elements(INDArray a) {
        return elements(a, a.ordering());
    }

    /** Parameters: {@code values[i]} are tensor i's elements in the memory order of the binding's parameter arrays. */
    static Bound bindParameters(TensorLayout layout, float[][] values, Binding binding) {
        return switch (binding) {
            case SEPARATE_C -> new Bound(separate(layout, values, 'c'), null);
            case FLAT_VIEWS -> {
                INDArray flat = flat(values);
                yield new Bound(NamedTensors.viewsOf(layout, flat), flat);
            }
            case F_VIEWS, F_VIEWS_C_GRADIENTS -> {
                INDArray flat = flat(values);
                yield new Bound(fOrderViews(layout, flat), flat);
            }
        };
    }

    /** Gradients in the same element order as {@link #bindParameters} with the same binding. */
    static Bound bindGradients(TensorLayout layout, float[][] values, Binding binding) {
        if (binding == Binding.F_VIEWS_C_GRADIENTS) {
            Map<String, INDArray> map = new LinkedHashMap<>();
            for (int i = 0; i < layout.size(); i++) {
                long[] shape = layout.tensor(i).shape();
                char order = shape.length >= 2 ? 'f' : 'c';
                map.put(layout.name(i), array(values[i], shape, order).dup('c'));
            }
            return new Bound(NamedTensors.of(map), null);
        }
        return bindParameters(layout, values, binding);
    }

    private static NamedTensors separate(TensorLayout layout, float[][] values, char order) {
        Map<String, INDArray> map = new LinkedHashMap<>();
        for (int i = 0; i < layout.size(); i++) {
            map.put(layout.name(i), array(values[i], layout.tensor(i).shape(), order));
        }
        return NamedTensors.of(map);
    }

    private static INDArray flat(float[][] values) {
        int total = 0;
        for (float[] v : values) {
            total += v.length;
        }
        float[] all = new float[total];
        int at = 0;
        for (float[] v : values) {
            System.arraycopy(v, 0, all, at, v.length);
            at += v.length;
        }
        return Nd4j.create(all, new long[] {1, total}, 'c');
    }

    /** DL4J's way: a segment of the flat row, reshaped 'f' for matrices and higher ranks. */
    static NamedTensors fOrderViews(TensorLayout layout, INDArray flat) {
        java.util.List<INDArray> views = new java.util.ArrayList<>();
        for (int i = 0; i < layout.size(); i++) {
            long from = layout.offset(i);
            INDArray segment = flat.get(NDArrayIndex.point(0), NDArrayIndex.interval(from, from + layout.length(i)));
            long[] shape = layout.tensor(i).shape();
            INDArray view = shape.length == 0 ? segment.reshape() : shape.length == 1 ? segment.reshape(shape) : segment.reshape('f', shape);
            if (shape.length >= 2 && view.length() > Math.max(shape[0], shape[shape.length - 1])) {
                assertThat(view.ordering()).as("ordering of the view of '%s'", layout.name(i)).isEqualTo('f');
            }
            views.add(view);
        }
        return NamedTensors.of(layout, views);
    }

    /** Elements of tensor {@code i}'s segment of a flat buffer. */
    static float[] segment(INDArray flat, TensorLayout layout, int i) {
        float[] all = flat.toFloatVector();
        float[] out = new float[layout.length(i)];
        System.arraycopy(all, (int) layout.offset(i), out, 0, out.length);
        return out;
    }

    /** Deep copies of every array (same shapes and orderings), in a new NamedTensors with the same names. */
    static NamedTensors copyOf(NamedTensors t) {
        Map<String, INDArray> map = new LinkedHashMap<>();
        for (int i = 0; i < t.size(); i++) {
            INDArray a = t.get(i);
            map.put(t.layout().name(i), a.rank() == 0 ? a.dup() : a.dup(a.ordering()));
        }
        return NamedTensors.of(map);
    }

    /** Every element of every tensor is bitwise the same. */
    static void assertBitwiseEqual(NamedTensors actual, NamedTensors expected) {
        assertThat(actual.layout()).isEqualTo(expected.layout());
        for (int i = 0; i < expected.size(); i++) {
            int[] a = bits(elements(actual.get(i), 'c'));
            int[] e = bits(elements(expected.get(i), 'c'));
            assertThat(a).as("bits of tensor '%s'", expected.layout().name(i)).isEqualTo(e);
        }
    }

    static int[] bits(float[] x) {
        int[] b = new int[x.length];
        for (int i = 0; i < x.length; i++) {
            b[i] = Float.floatToRawIntBits(x[i]);
        }
        return b;
    }

    static float[] gaussian(Random rnd, int n, double scale) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            double r = rnd.nextGaussian();
            x[i] = scale == 0 ? 0f : (float) (r * scale); // +0, not the -0 of a negative draw times 0
        }
        return x;
    }

    /** Named dense 'c' tensors of the given shapes with Gaussian values. */
    static NamedTensors randomTensors(Random rnd, String[] names, long[][] shapes, double scale) {
        Map<String, INDArray> map = new LinkedHashMap<>();
        for (int i = 0; i < names.length; i++) {
            int n = (int) new TensorSpec(names[i], shapes[i]).length();
            map.put(names[i], array(gaussian(rnd, n, scale), shapes[i], 'c'));
        }
        return NamedTensors.of(map);
    }
}
