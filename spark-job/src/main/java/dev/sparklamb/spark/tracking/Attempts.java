package dev.sparklamb.spark.tracking;

import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * MLflow requests that may fail: each tried {@value #ATTEMPTS} times with exponential backoff unless the server refuses
 * it (4xx); the first failure is logged as a warning, later ones only counted, and training never waits on them beyond
 * the backoff.
 */
final class Attempts {

    private static final Logger LOG = LoggerFactory.getLogger(MlflowTracker.class);
    static final int ATTEMPTS = 3;
    private static final long BACKOFF_MILLIS = 200;

    private final Object target;
    private final AtomicInteger failures = new AtomicInteger();

    /** @param target the tracking server, for messages */
    Attempts(Object target) {
        this.target = target;
    }

    /** How many requests failed for good. */
    int failures() {
        return failures.get();
    }

    /** A request that may fail: tried up to {@value #ATTEMPTS} times unless the server refuses it (4xx). */
    @FunctionalInterface
    interface Call<T> {
        T call() throws IOException, InterruptedException;
    }

    /** A request without an answer. */
    @FunctionalInterface
    interface VoidCall {
        void call() throws IOException, InterruptedException;
    }

    void send(String what, VoidCall call) throws InterruptedException {
        attempt(what, () -> {
            call.call();
            return Boolean.TRUE;
        });
    }

    <T> Optional<T> attempt(String what, Call<T> call) throws InterruptedException {
        IOException last = null;
        for (int i = 0; i < ATTEMPTS; i++) {
            if (i > 0) {
                Thread.sleep(BACKOFF_MILLIS << (i - 1));
            }
            try {
                return Optional.of(call.call());
            } catch (MlflowException e) {
                last = e;
                if (!e.retryable()) {
                    break;
                }
            } catch (IOException | RuntimeException e) {
                last = e instanceof IOException io ? io : new IOException(e.toString(), e);
            }
        }
        failure(what, last);
        return Optional.empty();
    }

    /** The first failure is a warning; later ones are counted (and reported at the end). */
    void failure(String what, Exception e) {
        if (failures.getAndIncrement() == 0) {
            LOG.warn("MLflow tracking at {}: {} failed ({}); training goes on, later tracking failures are only counted", target, what,
                    e == null ? "?" : e.getMessage());
        }
    }

}
