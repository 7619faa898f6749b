package dev.sparklamb.spark.train;

/** Too many consecutive steps had non-finite gradients; the run stopped (exit code 4 on the command line). */
public final class TrainingDivergedException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public TrainingDivergedException(String message, Throwable cause) {
        super(message, cause);
    }
}
