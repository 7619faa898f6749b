package dev.sparklamb.spark.lease;

/**
 * Another run holds (or has taken over) the lease on a run's output directory, so this run must not write there. The
 * message names the directory, the holder and until when its lease is valid. The command line maps it to exit code 5.
 */
public final class LeaseHeldException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    public LeaseHeldException(String message) {
        super(message);
    }
}
