package dev.sparklamb.optim.bench;

import dev.sparklamb.optim.TensorLayout;
import dev.sparklamb.optim.TensorSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The benchmark's tensor set: 100 tensors, 24,848,384 float32 parameters of mixed sizes, laid out like a small
 * transformer-plus-convolution model (a few 1024x4096 matrices, many medium ones, many biases and norm vectors),
 * with seeded random values.
 */
final class BenchTensors {

    /** Weight decay is not applied to, and the trust ratio not computed for, biases and norm parameters. */
    static final List<String> EXCLUDE = List.of("_b$", "^norm");

    private BenchTensors() {
    }

    static TensorLayout layout() {
        List<TensorSpec> specs = new ArrayList<>();
        int norm = 0;
        for (int i = 0; i < 3; i++) {
            specs.add(new TensorSpec("ffn" + i + "_W", new long[] {1024, 4096}));
            specs.add(new TensorSpec("ffn" + i + "_b", new long[] {4096}));
        }
        for (int i = 0; i < 8; i++) {
            specs.add(new TensorSpec("attn" + i + "_W", new long[] {1024, 1024}));
            specs.add(new TensorSpec("attn" + i + "_b", new long[] {1024}));
            if (i % 2 == 1) {
                specs.add(new TensorSpec("norm" + norm + "_gamma", new long[] {1024}));
                specs.add(new TensorSpec("norm" + norm++ + "_beta", new long[] {1024}));
            }
        }
        for (int i = 0; i < 12; i++) {
            specs.add(new TensorSpec("proj" + i + "_W", new long[] {512, 512}));
            specs.add(new TensorSpec("proj" + i + "_b", new long[] {512}));
            if (i % 4 == 3) {
                specs.add(new TensorSpec("norm" + norm + "_gamma", new long[] {1024}));
                specs.add(new TensorSpec("norm" + norm++ + "_beta", new long[] {1024}));
            }
        }
        for (int i = 0; i < 8; i++) {
            specs.add(new TensorSpec("conv" + i + "_W", new long[] {64, 64, 3, 3}));
            specs.add(new TensorSpec("conv" + i + "_b", new long[] {64}));
        }
        for (int i = 0; i < 12; i++) {
            specs.add(new TensorSpec("head" + i + "_W", new long[] {256, 128}));
            specs.add(new TensorSpec("head" + i + "_b", new long[] {128}));
        }
        return new TensorLayout(specs);
    }

    /** Parameters: weights N(0, 1/shape[0]), biases and norm shifts small, norm scales around 1. */
    static float[] parameters(TensorLayout layout, long seed) {
        float[] x = new float[(int) layout.totalLength()];
        SplittableRandom r = new SplittableRandom(seed);
        for (int t = 0; t < layout.size(); t++) {
            String name = layout.name(t);
            long[] shape = layout.tensor(t).shape();
            int from = (int) layout.offset(t);
            int n = layout.length(t);
            double sd = shape.length >= 2 ? 1.0 / Math.sqrt(shape[0]) : 0.01;
            double mean = name.endsWith("_gamma") ? 1.0 : 0.0;
            for (int i = 0; i < n; i++) {
                x[from + i] = (float) (mean + sd * gaussian(r));
            }
        }
        return x;
    }

    /** Gradients: N(0, 1e-3^2), a different scale per tensor (factor 0.1 to 10). */
    static float[] gradients(TensorLayout layout, long seed) {
        float[] x = new float[(int) layout.totalLength()];
        SplittableRandom r = new SplittableRandom(seed);
        for (int t = 0; t < layout.size(); t++) {
            int from = (int) layout.offset(t);
            int n = layout.length(t);
            double sd = 1e-3 * Math.pow(10, r.nextDouble(-1, 1));
            for (int i = 0; i < n; i++) {
                x[from + i] = (float) (sd * gaussian(r));
            }
        }
        return x;
    }

    /** A 1 x N float32 row vector holding {@code values}. */
    static INDArray flat(float[] values) {
        INDArray a = Nd4j.create(values, new long[] {1, values.length}, 'c');
        if (a.dataType() != DataType.FLOAT) {
            throw new IllegalStateException("expected FLOAT, got " + a.dataType());
        }
        return a;
    }

    /** Standard normal by Box-Muller (the second value is dropped). */
    private static double gaussian(SplittableRandom r) {
        double u1 = r.nextDouble();
        double u2 = r.nextDouble();
        return Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
    }
}
