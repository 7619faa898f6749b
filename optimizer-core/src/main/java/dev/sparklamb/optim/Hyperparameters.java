package dev.sparklamb.optim;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

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

    /**
     * Validates per-tensor weight-decay overrides (exact tensor name to a finite coefficient >= 0) and returns an
     * unmodifiable copy sorted by name.
     */
    static Map<String, Double> weightDecayOverrides(Map<String, Double> overrides) {
        Objects.requireNonNull(overrides, "weightDecayOverrides");
        TreeMap<String, Double> copy = new TreeMap<>();
        for (Map.Entry<String, Double> e : overrides.entrySet()) {
            if (e.getKey() == null || e.getKey().isEmpty()) {
                throw new IllegalArgumentException("weightDecayOverrides contains " + (e.getKey() == null ? "a null" : "an empty")
                        + " tensor name; expected exact tensor names");
            }
            if (e.getValue() == null) {
                throw new IllegalArgumentException("weightDecayOverrides['" + e.getKey() + "'] is null; expected a finite number >= 0");
            }
            copy.put(e.getKey(), nonNegative("weightDecayOverrides['" + e.getKey() + "']", e.getValue()));
        }
        return Collections.unmodifiableMap(copy);
    }
}
