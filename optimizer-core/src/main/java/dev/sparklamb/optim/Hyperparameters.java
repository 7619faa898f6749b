package dev.sparklamb.optim;

import java.util.List;
import java.util.Objects;

/** Eager validation of hyperparameters, with messages that name the bad value. */
final class Hyperparameters {

    private Hyperparameters() {
    }

    static double beta(String name, double value) {
        if (!(value >= 0 && value < 1)) {
            throw new IllegalArgumentException(name + " must be in [0, 1), got " + value);
        }
        return value;
    }

    static double positive(String name, double value) {
        if (!(value > 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException(name + " must be a finite number > 0, got " + value);
        }
        return value;
    }

    static double nonNegative(String name, double value) {
        if (!(value >= 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException(name + " must be a finite number >= 0, got " + value);
        }
        return value;
    }

    static List<String> regexes(String name, List<String> values) {
        Objects.requireNonNull(values, name);
        for (String v : values) {
            if (v == null) {
                throw new IllegalArgumentException(name + " contains null");
            }
            TensorMask.compile(v, name);
        }
        return List.copyOf(values);
    }
}
