package dev.sparklamb.optim.bench;

import dev.sparklamb.optim.AdamWConfig;
import dev.sparklamb.optim.LambConfig;
import dev.sparklamb.optim.NamedTensors;
import dev.sparklamb.optim.Optimizer;
import dev.sparklamb.optim.OptimizerState;
import dev.sparklamb.optim.StepResult;
import dev.sparklamb.optim.TensorLayout;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.AdamUpdater;
import org.nd4j.linalg.learning.config.Adam;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One optimizer step over {@link BenchTensors} (100 tensors, 24.8M float32 parameters, views of one flat buffer as
 * DL4J keeps them), against ND4J's own Adam updater and a plain memory-bandwidth triad over the same bytes.
 *
 * <p>Byte-count model, in float32 values moved per parameter (DRAM traffic of an ideal implementation; write-allocate
 * reads not counted, as in STREAM): LAMB 11 (finite/norm check reads g; pass 1 reads g, w, m, v and writes m, v;
 * pass 2 reads w, m, v and writes w); AdamW 7 (one pass: reads g, w, m, v, writes m, v, w); ND4J Adam 9 (the fused
 * adam_updater op reads g, m, v and writes m, v and the update over g; {@code param.subi(update)} reads w, update,
 * writes w), 11 with the gradient copy. The triad {@code a[i] = b[i] + s c[i]} moves 3 floats per element, so its
 * arrays have {@code ceil(11 N / 3)} elements: the bytes of one LAMB step.
 *
 * <p>Run with {@link RunOptimizerStepBenchmark}. Settings here are the defaults; the runner's options override them.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgs = {"-Xms4g", "-Xmx4g"})
public class OptimizerStepBenchmark {

    static final long PARAM_SEED = 20240501L;
    static final long GRAD_SEED = 20240502L;
    /** Floats moved per parameter by one LAMB step (see the class comment). */
    static final int LAMB_FLOATS_PER_PARAM = 11;

    /**
     * Parameters and a fixed gradient as views of two flat buffers. (JMH does not order @Setup methods along the class
     * hierarchy, so each state's one @Setup calls {@link #initTensors()} first.)
     */
    @State(Scope.Benchmark)
    public abstract static class Tensors {
        TensorLayout layout;
        INDArray paramFlat;
        INDArray gradFlat;
        NamedTensors params;
        NamedTensors grads;

        void initTensors() {
            layout = BenchTensors.layout();
            paramFlat = BenchTensors.flat(BenchTensors.parameters(layout, PARAM_SEED));
            gradFlat = BenchTensors.flat(BenchTensors.gradients(layout, GRAD_SEED));
            params = NamedTensors.viewsOf(layout, paramFlat);
            grads = NamedTensors.viewsOf(layout, gradFlat);
        }
    }

    public static class LambState extends Tensors {
        Optimizer optimizer;
        OptimizerState state;

        @Setup(Level.Trial)
        public void setUpLamb() {
            initTensors();
            optimizer = lambConfig().create();
            state = optimizer.init(layout);
        }
    }

    public static class AdamWState extends Tensors {
        Optimizer optimizer;
        OptimizerState state;

        @Setup(Level.Trial)
        public void setUpAdamW() {
            initTensors();
            optimizer = AdamWConfig.defaults().withWeightDecay(0.01, BenchTensors.EXCLUDE).create();
            state = optimizer.init(layout);
        }
    }

    /**
     * ND4J's Adam as DL4J runs it: one {@link AdamUpdater} per tensor over a slice of one flat state view (2 N
     * floats), applied to a working gradient that it overwrites with the update, then {@code param.subi(update)}.
     */
    public static class Nd4jAdamState extends Tensors {
        INDArray workFlat;
        NamedTensors work;
        AdamUpdater[] updaters;
        int iteration;

        @Setup(Level.Trial)
        public void setUpAdam() {
            initTensors();
            workFlat = gradFlat.dup();
            work = NamedTensors.viewsOf(layout, workFlat);
            INDArray stateFlat = Nd4j.zeros(org.nd4j.linalg.api.buffer.DataType.FLOAT, 1, 2 * layout.totalLength());
            Adam config = new Adam(1e-3, 0.9, 0.999, 1e-8);
            updaters = new AdamUpdater[layout.size()];
            for (int i = 0; i < layout.size(); i++) {
                long from = 2 * layout.offset(i);
                INDArray view = stateFlat.get(NDArrayIndex.interval(0, 1), NDArrayIndex.interval(from, from + 2L * layout.length(i)));
                updaters[i] = new AdamUpdater(config);
                updaters[i].setStateViewArray(view, layout.tensor(i).shape(), 'c', true);
            }
        }

        void step() {
            for (int i = 0; i < updaters.length; i++) {
                INDArray update = work.get(i);
                updaters[i].applyUpdater(update, iteration, 0);
                params.get(i).subi(update);
            }
            iteration++;
        }
    }

    /** As {@link Nd4jAdamState}, with the working gradient refilled from the fixed gradient before each (timed) step, untimed. */
    public static class Nd4jAdamFreshGradient extends Nd4jAdamState {
        @Setup(Level.Invocation)
        public void copyGradient() {
            workFlat.assign(gradFlat);
        }
    }

    /** LAMB as separate ND4J ops per tensor; checked once against the real LAMB before timing. */
    public static class Nd4jOpsLambState extends Tensors {
        Nd4jOpsLamb lamb;

        @Setup(Level.Trial)
        public void setUpOpsLamb() {
            initTensors();
            lamb = new Nd4jOpsLamb(lambConfig(), layout);
            SanityCheck.requireSameAsFusedLamb("ND4J-ops LAMB", this, lamb::step, 2);
        }
    }

    /**
     * ND4J's Adam as one updater over the whole flat gradient: what DL4J's UpdaterBlock does when every layer has the
     * same Adam configuration. Working gradient refilled before each step, untimed.
     */
    public static class Nd4jAdamOneBlock extends Tensors {
        INDArray workFlat;
        INDArray paramRow;
        AdamUpdater updater;
        int iteration;

        @Setup(Level.Trial)
        public void setUpAdamOneBlock() {
            initTensors();
            workFlat = gradFlat.dup();
            paramRow = paramFlat;
            INDArray stateFlat = Nd4j.zeros(org.nd4j.linalg.api.buffer.DataType.FLOAT, 1, 2 * layout.totalLength());
            updater = new AdamUpdater(new Adam(1e-3, 0.9, 0.999, 1e-8));
            updater.setStateViewArray(stateFlat, workFlat.shape(), 'c', true);
        }

        @Setup(Level.Invocation)
        public void copyGradient() {
            workFlat.assign(gradFlat);
        }
    }

    /** {@code a = b + s c} over three float[] arrays of {@code ceil(11 N / 3)} elements. */
    @State(Scope.Benchmark)
    public static class Triad {
        static final int CHUNK = 1 << 16;
        float[] a;
        float[] b;
        float[] c;
        float s = 0.5f;
        ForkJoinPool pool;

        @Setup(Level.Trial)
        public void setUpTriad() {
            long n = BenchTensors.layout().totalLength();
            int len = (int) ((LAMB_FLOATS_PER_PARAM * n + 2) / 3);
            a = new float[len];
            b = new float[len];
            c = new float[len];
            java.util.Arrays.fill(b, 1.0f);
            java.util.Arrays.fill(c, 2.0f);
            pool = new ForkJoinPool(2);
        }

        @TearDown(Level.Trial)
        public void tearDownTriad() {
            pool.shutdown();
        }

        static void range(float[] a, float[] b, float[] c, float s, int from, int to) {
            for (int i = from; i < to; i++) {
                a[i] = b[i] + s * c[i];
            }
        }
    }

    static LambConfig lambConfig() {
        return LambConfig.builder().weightDecay(0.01).excludeFromWeightDecay(BenchTensors.EXCLUDE).build();
    }

    @Benchmark
    public StepResult lambStep(LambState s) {
        return s.optimizer.step(s.params, s.grads, s.state);
    }

    /** The same step with the optimizer's pool at one thread. */
    @Benchmark
    @Fork(value = 1, jvmArgs = {"-Xms4g", "-Xmx4g"}, jvmArgsAppend = "-Dsparklamb.optimizer.threads=1")
    public StepResult lambStep1Thread(LambState s) {
        return s.optimizer.step(s.params, s.grads, s.state);
    }

    @Benchmark
    public StepResult adamwStep(AdamWState s) {
        return s.optimizer.step(s.params, s.grads, s.state);
    }

    /** ND4J Adam; the gradient copy it overwrites is refilled outside the timed region. */
    @Benchmark
    public int nd4jAdamStep(Nd4jAdamFreshGradient s) {
        s.step();
        return s.iteration;
    }

    /** ND4J Adam, one updater over all 24.8M parameters (DL4J's UpdaterBlock); gradient refill untimed. */
    @Benchmark
    public int nd4jAdamStepOneBlock(Nd4jAdamOneBlock s) {
        s.updater.applyUpdater(s.workFlat, s.iteration, 0);
        s.paramRow.subi(s.workFlat);
        return s.iteration++;
    }

    /** ND4J Adam including the copy of the gradient ({@code work.assign(grad)}, 2 more floats per parameter). */
    @Benchmark
    public int nd4jAdamStepWithGradientCopy(Nd4jAdamState s) {
        s.workFlat.assign(s.gradFlat);
        s.step();
        return s.iteration;
    }

    @Benchmark
    @Warmup(iterations = 2, time = 1)
    @Measurement(iterations = 3, time = 2)
    public double lambNd4jOpsStep(Nd4jOpsLambState s) {
        return s.lamb.step(s.params, s.grads);
    }

    @Benchmark
    public float[] triad1Thread(Triad t) {
        Triad.range(t.a, t.b, t.c, t.s, 0, t.a.length);
        return t.a;
    }

    @Benchmark
    public float[] triad2Threads(Triad t) {
        int chunks = (t.a.length + Triad.CHUNK - 1) / Triad.CHUNK;
        t.pool.submit(() -> IntStream.range(0, chunks).parallel().forEach(k -> {
            int from = k * Triad.CHUNK;
            Triad.range(t.a, t.b, t.c, t.s, from, Math.min(t.a.length, from + Triad.CHUNK));
        })).join();
        return t.a;
    }
}
