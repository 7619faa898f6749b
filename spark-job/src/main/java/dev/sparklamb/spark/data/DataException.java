package dev.sparklamb.spark.data;

/** Input data that cannot be used. The message names the path, file, row or column and what was expected. */
public final class DataException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    public DataException(String message) {
        super(message);
    }

    public DataException(String message, Throwable cause) {
        super(message, cause);
    }
}
