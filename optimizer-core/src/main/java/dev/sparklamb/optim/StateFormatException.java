package dev.sparklamb.optim;

import java.io.IOException;

/** Saved optimizer state that cannot be used: truncated, corrupt, of another version, or for other tensors. */
public final class StateFormatException extends IOException {

    private static final long serialVersionUID = 1L;

    public StateFormatException(String message) {
        super(message);
    }

    public StateFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
