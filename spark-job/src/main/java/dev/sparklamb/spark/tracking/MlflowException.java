package dev.sparklamb.spark.tracking;

import java.io.IOException;

/** An MLflow request answered with an HTTP error status ({@code errorCode} is MLflow's, e.g. RESOURCE_DOES_NOT_EXIST). */
final class MlflowException extends IOException {

    private final int status;
    private final String errorCode;

    MlflowException(String request, int status, String errorCode, String body) {
        super(request + ": HTTP " + status + (errorCode.isEmpty() ? "" : " " + errorCode) + ": "
                + (body.length() > 300 ? body.substring(0, 300) + "..." : body));
        this.status = status;
        this.errorCode = errorCode;
    }

    int status() {
        return status;
    }

    String errorCode() {
        return errorCode;
    }

    /** Server errors and throttling may pass; other client errors will not. */
    boolean retryable() {
        return status >= 500 || status == 429;
    }
}
