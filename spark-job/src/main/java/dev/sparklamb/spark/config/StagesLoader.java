package dev.sparklamb.spark.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Reads {@code spark-lamb.training.next-stages}: a list of objects, each with the keys of {@link StageSettings}; a stage's
 * {@code micro-batch} defaults to {@code training.micro-batch} (at most its global batch) and each of its
 * {@code learning-rate} keys to {@code optimizer.learning-rate}'s. Unknown keys and wrong types name the stage's key
 * ({@code spark-lamb.training.next-stages[1].steps}).
 */
final class StagesLoader {

    static final String KEY = "spark-lamb.training.next-stages";
    private static final Set<String> KEYS = Set.of("train", "test", "sequence-length", "global-batch", "micro-batch", "steps",
            "learning-rate");
    private static final Set<String> LEARNING_RATE_KEYS = Set.of("base", "base-batch", "scaling", "warmup-fraction", "decay-power", "end");

    private StagesLoader() {
    }

    static List<StageSettings> stages(Config c, int defaultMicroBatch) {
        List<StageSettings> out = new ArrayList<>();
        List<? extends ConfigValue> list = c.getList(KEY);
        for (int i = 0; i < list.size(); i++) {
            String key = KEY + "[" + i + "]";
            if (!(list.get(i) instanceof ConfigObject object)) {
                throw new ConfigurationException(key + " is a " + list.get(i).valueType().name().toLowerCase(java.util.Locale.ROOT)
                        + "; expected an object {train = ..., global-batch = ..., steps = ...}");
            }
            requireKnown(object, KEYS, key);
            Config s = object.toConfig();
            Config lr = c.getConfig("spark-lamb.optimizer.learning-rate");
            if (s.hasPath("learning-rate")) {
                if (!(s.getValue("learning-rate") instanceof ConfigObject lrObject)) {
                    throw new ConfigurationException(key + ".learning-rate: expected an object with keys " + LEARNING_RATE_KEYS);
                }
                requireKnown(lrObject, LEARNING_RATE_KEYS, key + ".learning-rate");
                lr = s.getConfig("learning-rate").withFallback(lr);
            }
            int globalBatch = (int) whole(s, "global-batch", key, null);
            try {
                out.add(new StageSettings(
                        string(s, "train", key, null),
                        string(s, "test", key, ""),
                        (int) whole(s, "sequence-length", key, 0L),
                        globalBatch,
                        (int) whole(s, "micro-batch", key, (long) Math.min(defaultMicroBatch, Math.max(1, globalBatch))),
                        whole(s, "steps", key, null),
                        new LearningRateSettings(number(lr, "base", key), whole(lr, "base-batch", key + ".learning-rate", null),
                                LearningRateScaling.parse(string(lr, "scaling", key + ".learning-rate", null)),
                                number(lr, "warmup-fraction", key), number(lr, "decay-power", key), number(lr, "end", key))));
            } catch (ConfigurationException e) {
                throw e.getMessage().startsWith(KEY) ? e : new ConfigurationException(key + ": " + e.getMessage(), e);
            }
        }
        return out;
    }

    private static void requireKnown(ConfigObject object, Set<String> keys, String where) {
        for (String k : object.keySet()) {
            if (!keys.contains(k)) {
                throw new ConfigurationException("unknown configuration key '" + where + "." + k + "' (" + object.get(k).origin().description()
                        + "); a stage has the keys " + new java.util.TreeSet<>(keys));
            }
        }
    }

    private static String string(Config s, String k, String key, String fallback) {
        if (!s.hasPath(k)) {
            if (fallback == null) {
                throw new ConfigurationException(key + "." + k + " must be set");
            }
            return fallback;
        }
        if (s.getValue(k).valueType() != ConfigValueType.STRING) {
            throw new ConfigurationException(key + "." + k + " has type " + s.getValue(k).valueType().name().toLowerCase(java.util.Locale.ROOT)
                    + "; expected a string");
        }
        return s.getString(k);
    }

    /** A whole number (no fraction, no unit); {@code fallback} null: required. */
    private static long whole(Config s, String k, String key, Long fallback) {
        if (!s.hasPath(k)) {
            if (fallback == null) {
                throw new ConfigurationException(key + "." + k + " must be set");
            }
            return fallback;
        }
        Object v = s.getValue(k).unwrapped();
        if (v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue()) && Math.abs(n.doubleValue()) < 9.0e15) {
            return n.longValue();
        }
        throw new ConfigurationException(key + "." + k + " is " + s.getValue(k).render() + "; expected a whole number");
    }

    private static double number(Config s, String k, String key) {
        try {
            return s.getDouble(k);
        } catch (ConfigException e) {
            throw new ConfigurationException(key + ".learning-rate." + k + ": " + e.getMessage(), e);
        }
    }
}
