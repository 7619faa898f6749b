/**
 * Whether this machine's cores compute independently: the same CPU-bound work in 1 thread, then in T threads at once,
 * for two kinds of work without memory traffic: a latency-bound loop (one dependent chain of square roots, which leaves
 * a core's arithmetic units mostly idle) and a throughput-bound one (independent multiply-adds over a 16 KB array in
 * the L1 cache, vectorised by the JIT, as a matrix product's inner loop is). With T independent cores each of the T
 * threads takes about as long as the single one for both kinds; on hardware threads that share one core's arithmetic
 * units (SMT siblings exposed as separate CPUs) the throughput-bound loop takes up to T times as long while the
 * latency-bound one does not. Used for the weak-scaling section of docs/benchmarks.md (two single-core executors side
 * by side).
 *
 * <pre>java bench/CoreCheck.java [iterations=1000000000] [threads=2] [rounds=3]</pre>
 */
public class CoreCheck {

    static double work(long n) {
        double s = 0;
        for (long i = 1; i <= n; i++) {
            s += Math.sqrt(i) * 1e-9;
        }
        return s;
    }

    /** Independent multiply-adds over an L1-resident array: {@code n} of them in all. */
    static double fma(long n) {
        float[] a = new float[4096];
        float[] b = new float[4096];
        for (int i = 0; i < a.length; i++) {
            a[i] = i * 1e-4f;
            b[i] = 1f - i * 1e-5f;
        }
        for (long done = 0; done < n; done += a.length) {
            for (int i = 0; i < a.length; i++) {
                a[i] = a[i] * 0.999f + b[i];
            }
        }
        double s = 0;
        for (float v : a) {
            s += v;
        }
        return s;
    }

    static long[] timed(int threads, long n, boolean throughput) throws InterruptedException {
        Thread[] t = new Thread[threads];
        long[] ms = new long[threads];
        double[] sink = new double[threads];
        for (int k = 0; k < threads; k++) {
            int kk = k;
            t[k] = new Thread(() -> {
                long t0 = System.nanoTime();
                sink[kk] = throughput ? fma(n) : work(n);
                ms[kk] = (System.nanoTime() - t0) / 1_000_000;
            });
        }
        for (Thread x : t) {
            x.start();
        }
        for (Thread x : t) {
            x.join();
        }
        return ms;
    }

    public static void main(String[] args) throws InterruptedException {
        long n = args.length > 0 ? Long.parseLong(args[0]) : 1_000_000_000L;
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        work(n / 20); // compiled before the first measurement
        fma(n);
        for (int r = 1; r <= rounds; r++) {
            for (boolean throughput : new boolean[] {false, true}) {
                long[] one = timed(1, throughput ? 8 * n : n, throughput);
                long[] many = timed(threads, throughput ? 8 * n : n, throughput);
                long slowest = java.util.Arrays.stream(many).max().orElseThrow();
                System.out.printf("round %d, %s: 1 thread %d ms; %d threads at once %s ms; slowest / single = %.2f%n", r,
                        throughput ? "throughput-bound (vectorised multiply-adds)" : "latency-bound (dependent square roots)", one[0],
                        threads, java.util.Arrays.toString(many), (double) slowest / one[0]);
            }
        }
    }
}
