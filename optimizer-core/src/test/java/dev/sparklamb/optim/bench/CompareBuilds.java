package dev.sparklamb.optim.bench;

import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Same-JVM comparison of one {@link OptimizerStepBenchmark} step benchmark between two builds of optimizer-core (for
 * example main and a refactoring), for a shared machine whose load drifts more between two JMH runs than the
 * difference sought. Each build's {@code classes} and {@code test-classes} load in their own class loader over the
 * JVM class path (which carries the dependencies, ND4J among them; optimizer-core's own classes on it are hidden from
 * the two builds); after a warm-up of both,
 * blocks of steps are timed alternately in ABBA order, so drift hits both alike, and the ratio is taken per adjacent
 * pair of blocks.
 *
 * <p>Usage (dependencies from {@code dependency:build-classpath}, as in docs/benchmarks.md):
 * <pre>
 * java -Xms6g -Xmx6g -cp optimizer-core/target/test-classes:$(cat /tmp/ocp.txt) dev.sparklamb.optim.bench.CompareBuilds \
 *      BUILD_A_DIR BUILD_B_DIR lambStep LambState setUpLamb ROUNDS STEPS_PER_BLOCK
 * </pre>
 * where each {@code BUILD_*_DIR} holds a copy of {@code optimizer-core/target/{classes,test-classes}}. Add
 * {@code -Dsparklamb.optimizer.threads=1} for one optimizer thread; {@code adamwStep AdamWState setUpAdamW} for AdamW.
 */
public final class CompareBuilds {

    private CompareBuilds() {
    }

    public static void main(String[] args) throws Exception {
        String[] dirs = {args[0], args[1]};
        String bench = args[2];
        String stateClass = args[3];
        String setup = args[4];
        int rounds = Integer.parseInt(args[5]);
        int stepsPerBlock = Integer.parseInt(args[6]);
        Object[] states = new Object[2];
        Object[] benches = new Object[2];
        Method[] methods = new Method[2];
        for (int k = 0; k < 2; k++) {
            ClassLoader loader = new URLClassLoader(new URL[] {Path.of(dirs[k], "classes").toUri().toURL(),
                    Path.of(dirs[k], "test-classes").toUri().toURL()}, new ExcludingLoader(ClassLoader.getSystemClassLoader()));
            Class<?> b = loader.loadClass(OptimizerStepBenchmark.class.getName());
            Class<?> s = loader.loadClass(OptimizerStepBenchmark.class.getName() + "$" + stateClass);
            if (b.getClassLoader() != loader) {
                throw new IllegalStateException("optimizer-core classes must not be on the JVM class path; they came from " + b.getClassLoader());
            }
            states[k] = s.getConstructor().newInstance();
            s.getMethod(setup).invoke(states[k]);
            benches[k] = b.getConstructor().newInstance();
            methods[k] = b.getMethod(bench, s);
        }
        for (int w = 0; w < 15; w++) {
            for (int k = 0; k < 2; k++) {
                methods[k].invoke(benches[k], states[k]);
            }
        }
        double[][] perBlock = new double[2][rounds * 2];
        int[] filled = new int[2];
        for (int r = 0; r < rounds; r++) {
            for (int k : r % 2 == 0 ? new int[] {0, 1, 1, 0} : new int[] {1, 0, 0, 1}) {
                long t0 = System.nanoTime();
                for (int i = 0; i < stepsPerBlock; i++) {
                    methods[k].invoke(benches[k], states[k]);
                }
                perBlock[k][filled[k]++] = (System.nanoTime() - t0) / 1e6 / stepsPerBlock;
            }
        }
        for (int k = 0; k < 2; k++) {
            double[] v = perBlock[k].clone();
            Arrays.sort(v);
            System.out.printf("%s %s: %d blocks x %d steps: min %.1f, median %.1f ms/step%n", bench, dirs[k], v.length, stepsPerBlock, v[0],
                    v[v.length / 2]);
        }
        double[] ratios = new double[rounds * 2];
        for (int i = 0; i < ratios.length; i++) {
            ratios[i] = perBlock[1][i] / perBlock[0][i];
        }
        Arrays.sort(ratios);
        System.out.printf("%s B/A per adjacent block pair: median %.3f (min %.3f, max %.3f)%n", bench, ratios[ratios.length / 2], ratios[0],
                ratios[ratios.length - 1]);
    }

    /** Hides optimizer-core's own packages on the JVM class path, so each build loads its own. */
    private static final class ExcludingLoader extends ClassLoader {
        ExcludingLoader(ClassLoader parent) {
            super(parent);
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            if (name.startsWith("dev.sparklamb.optim.")) {
                throw new ClassNotFoundException(name);
            }
            return super.loadClass(name, resolve);
        }
    }
}
