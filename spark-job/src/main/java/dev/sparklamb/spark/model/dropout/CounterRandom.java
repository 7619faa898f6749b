package dev.sparklamb.spark.model.dropout;

/**
 * A counter-based (stateless) random number generator: every number is a pure function of its keys, so any subset of
 * them can be computed in any order, on any machine, with the same result.
 *
 * <p>Construction. {@code mix} is a 64-bit bijective finalizer (xor-shift / odd-constant multiply, in the style of
 * the SplitMix64 output function; constants 0xbf58476d1ce4e5b9 and 0x94d049bb133111eb). A key {@code k} is absorbed
 * into a state {@code h} with a position-specific odd salt {@code s}: {@code absorb(h, k, s) = mix(h ^ mix(k + s))}.
 * The keys are absorbed in the order seed, step, layer key, example id ({@link #stream}), giving a 64-bit stream key;
 * element {@code e} of that stream has the bits {@code absorb(stream, e, S_UNIFORM)}.
 * <ul>
 * <li>{@link #uniform}: the top 53 bits of those, times 2<sup>-53</sup>: a double in [0, 1).</li>
 * <li>{@link #normal}: Box–Muller on the two uniforms u1, u2 that counters {@code 2e} and {@code 2e + 1} give
 * under a separate salt: {@code sqrt(-2 ln(1 - u1)) cos(2 pi u2)}, standard normal.</li>
 * </ul>
 * The element index is the C-order flat index of the element within one example's activations, so a mask never
 * depends on which other examples share the micro-batch. This is a statistical generator for dropout noise, not a
 * cryptographic one.
 */
public final class CounterRandom {

    private static final long S_SEED = 0x9e3779b97f4a7c15L;
    private static final long S_STEP = 0xd1b54a32d192ed03L;
    private static final long S_LAYER = 0x8cb92ba72f3d8dd7L;
    private static final long S_EXAMPLE = 0xaef17502108ef2d9L;
    private static final long S_UNIFORM = 0xdb4f0b9175ae2165L;
    private static final long S_NORMAL = 0xf1357aea2e62a9c5L;

    private CounterRandom() {
    }

    /** The 64-bit finalizer: a bijection on longs that spreads every input bit over all output bits. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    private static long absorb(long h, long key, long salt) {
        return mix(h ^ mix(key + salt));
    }

    /** The stream key of one example in one layer at one step of one run. */
    public static long stream(long seed, long step, long layerKey, long exampleId) {
        long h = mix(seed + S_SEED);
        h = absorb(h, step, S_STEP);
        h = absorb(h, layerKey, S_LAYER);
        return absorb(h, exampleId, S_EXAMPLE);
    }

    /** Uniform double in [0, 1) for element {@code element} of a stream. */
    public static double uniform(long stream, long element) {
        return (absorb(stream, element, S_UNIFORM) >>> 11) * 0x1.0p-53;
    }

    /** Standard normal double for element {@code element} of a stream (Box–Muller, see the class comment). */
    public static double normal(long stream, long element) {
        double u1 = (absorb(stream, 2 * element, S_NORMAL) >>> 11) * 0x1.0p-53;
        double u2 = (absorb(stream, 2 * element + 1, S_NORMAL) >>> 11) * 0x1.0p-53;
        return Math.sqrt(-2 * Math.log1p(-u1)) * Math.cos(2 * Math.PI * u2);
    }

    /** {@link #uniform(long, long)} from the keys. */
    public static double uniform(long seed, long step, long exampleId, long layerKey, long element) {
        return uniform(stream(seed, step, layerKey, exampleId), element);
    }

    /** {@link #normal(long, long)} from the keys. */
    public static double normal(long seed, long step, long exampleId, long layerKey, long element) {
        return normal(stream(seed, step, layerKey, exampleId), element);
    }
}
