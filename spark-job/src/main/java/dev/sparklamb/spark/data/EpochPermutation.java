package dev.sparklamb.spark.data;

import java.io.Serializable;

/**
 * A pseudo-random bijection of {@code [0, n)} for one epoch, derived from the seed and the epoch number and computed
 * per element in O(1) memory: a 4-round Feistel network over the smallest even power of two covering {@code n},
 * with cycle walking back into range. Every executor evaluates it for its own examples; nobody holds the whole
 * permutation, so the driver's memory does not grow with the data set.
 */
public final class EpochPermutation implements Serializable {

    private static final long serialVersionUID = 1L;
    private static final int ROUNDS = 4;

    private final long n;
    private final int halfBits;
    private final long halfMask;
    private final long[] roundKeys = new long[ROUNDS];

    public EpochPermutation(long n, long seed, long epoch) {
        if (n < 1) {
            throw new IllegalArgumentException("permutation size must be >= 1, got " + n);
        }
        this.n = n;
        int bits = Math.max(2, 64 - Long.numberOfLeadingZeros(n - 1));
        this.halfBits = (bits + 1) / 2;
        this.halfMask = (1L << halfBits) - 1;
        long k = mix(seed ^ 0x5DEECE66DL) ^ mix(epoch + 0x9E3779B97F4A7C15L);
        for (int r = 0; r < ROUNDS; r++) {
            k = mix(k + 0x9E3779B97F4A7C15L);
            roundKeys[r] = k;
        }
    }

    /** Position of example {@code index} in this epoch's order. */
    public long position(long index) {
        if (index < 0 || index >= n) {
            throw new IllegalArgumentException("index " + index + " outside [0, " + n + ")");
        }
        long x = index;
        do {
            x = encrypt(x);
        } while (x >= n);
        return x;
    }

    private long encrypt(long x) {
        long left = x >>> halfBits;
        long right = x & halfMask;
        for (long key : roundKeys) {
            long next = left ^ (mix(right ^ key) & halfMask);
            left = right;
            right = next;
        }
        return (left << halfBits) | right;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof EpochPermutation p && p.n == n && java.util.Arrays.equals(p.roundKeys, roundKeys);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(n) * 31 + java.util.Arrays.hashCode(roundKeys);
    }

    /** SplitMix64's finaliser. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
