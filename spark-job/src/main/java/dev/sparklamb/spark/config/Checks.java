package dev.sparklamb.spark.config;

import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The range rules of the settings records' compact constructors. Each names the key's full path ({@code key}) and
 * what was expected in its {@link ConfigurationException}.
 */
final class Checks {

    static final String ROOT = "spark-lamb.";

    private Checks() {
    }

    static double positive(String key, double v) {
        if (!(v > 0) || Double.isInfinite(v)) {
            throw new ConfigurationException(ROOT + key + " must be a finite number > 0, got " + v);
        }
        return v;
    }

    static double nonNegative(String key, double v) {
        if (!(v >= 0) || Double.isInfinite(v)) {
            throw new ConfigurationException(ROOT + key + " must be a finite number >= 0, got " + v);
        }
        return v;
    }

    /** {@code v} in {@code [lo, hi]} ({@code hiInclusive}) or {@code [lo, hi)}. */
    static double inRange(String key, double v, double lo, double hi, boolean hiInclusive) {
        if (!(v >= lo && (hiInclusive ? v <= hi : v < hi))) {
            throw new ConfigurationException(ROOT + key + " must be in [" + lo + ", " + hi + (hiInclusive ? "]" : ")") + ", got " + v);
        }
        return v;
    }

    static long atLeast(String key, long v, long min) {
        if (v < min) {
            throw new ConfigurationException(ROOT + key + " must be >= " + min + ", got " + v);
        }
        return v;
    }

    static <T> T present(String key, T v) {
        if (v == null) {
            throw new ConfigurationException(ROOT + key + " must be set");
        }
        return v;
    }

    /** An immutable copy of {@code regexes}, each a valid regular expression. */
    static List<String> regexes(String key, List<String> regexes) {
        Objects.requireNonNull(regexes, ROOT + key);
        for (String r : regexes) {
            if (r == null) {
                throw new ConfigurationException(ROOT + key + " contains null; expected regular expressions");
            }
            try {
                Pattern.compile(r);
            } catch (PatternSyntaxException e) {
                throw new ConfigurationException(ROOT + key + ": '" + r + "' is not a valid regular expression: " + e.getDescription());
            }
        }
        return List.copyOf(regexes);
    }

    /** What every optimizer has: the schedule, weight decay and gradient clipping. */
    static void common(LearningRateSettings learningRate, WeightDecaySettings weightDecay, double maxGradientNorm) {
        present("optimizer.learning-rate", learningRate);
        present("optimizer.weight-decay", weightDecay);
        nonNegative("optimizer.max-gradient-norm", maxGradientNorm);
    }

    /** The Adam family's moment decays and epsilon (empty: the optimizer's default). */
    static void moments(double beta1, double beta2, java.util.OptionalDouble epsilon) {
        inRange("optimizer.beta1", beta1, 0, 1, false);
        inRange("optimizer.beta2", beta2, 0, 1, false);
        present("optimizer.epsilon", epsilon).ifPresent(v -> positive("optimizer.epsilon", v));
    }
}
