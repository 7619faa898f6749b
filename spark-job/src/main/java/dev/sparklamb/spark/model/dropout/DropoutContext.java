package dev.sparklamb.spark.model.dropout;

import java.util.Arrays;
import java.util.Objects;

/**
 * The keys of the micro-batch that the current thread is training on: run seed, optimizer step and the global example
 * id of each row of the micro-batch (row {@code r} of every layer's activations is example {@code exampleIds[r]}).
 * Keyed dropouts read them to draw their masks; the trainer opens a scope around each replica forward/backward pass:
 *
 * <pre>{@code
 * try (DropoutContext.Scope scope = DropoutContext.open(runSeed, step, ids)) {
 *     replica.addGradient(features, labels, gradientSum);
 * }
 * }</pre>
 *
 * The context is thread-local (DL4J runs a network's forward and backward pass on the calling thread). Scopes do not
 * nest: opening a second one on a thread that has one open is an error, because it almost certainly means a scope
 * was not closed.
 */
public final class DropoutContext {

    private static final ThreadLocal<Keys> CURRENT = new ThreadLocal<>();

    private DropoutContext() {
    }

    /**
     * The keys of one micro-batch.
     *
     * @param seed       the run's seed
     * @param step       the optimizer step (0-based global batch number) this micro-batch belongs to
     * @param exampleIds the global example id of each row, in row order (not copied: do not modify while open)
     */
    public record Keys(long seed, long step, long[] exampleIds) {
        public Keys {
            Objects.requireNonNull(exampleIds, "exampleIds");
        }

        /** Number of rows (examples) in the micro-batch. */
        public int rows() {
            return exampleIds.length;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Keys k && k.seed == seed && k.step == step && Arrays.equals(k.exampleIds, exampleIds);
        }

        @Override
        public int hashCode() {
            return Objects.hash(seed, step, Arrays.hashCode(exampleIds));
        }

        @Override
        public String toString() {
            return "Keys[seed=" + seed + ", step=" + step + ", " + exampleIds.length + " examples]";
        }
    }

    /**
     * Opens the context of one micro-batch on the current thread until the returned scope is closed.
     *
     * @throws IllegalStateException if this thread already has an open context
     */
    public static Scope open(long seed, long step, long[] exampleIds) {
        Keys keys = new Keys(seed, step, exampleIds.clone());
        Keys open = CURRENT.get();
        if (open != null) {
            throw new IllegalStateException("a dropout context is already open on thread '" + Thread.currentThread().getName()
                    + "' (" + open + "); close it before opening another (" + keys + ")");
        }
        CURRENT.set(keys);
        return new Scope(keys);
    }

    /** The open context of this thread, or null if none. */
    public static Keys current() {
        return CURRENT.get();
    }

    /** An open context; closing it (once or more) removes it from its thread. */
    public static final class Scope implements AutoCloseable {
        private final Keys keys;

        private Scope(Keys keys) {
            this.keys = keys;
        }

        /** The keys this scope opened. */
        public Keys keys() {
            return keys;
        }

        @Override
        public void close() {
            if (CURRENT.get() == keys) {
                CURRENT.remove();
            }
        }
    }
}
