package dev.sparklamb.spark.ml;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValueFactory;
import dev.sparklamb.spark.config.ConfigLoader;
import dev.sparklamb.spark.config.ConfigurationException;
import dev.sparklamb.spark.config.RunConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.Params;

/**
 * How {@link LambClassifier}'s typed Params map to configuration keys ({@code conf/spark-lamb-defaults.conf}), and the
 * rendering of a Params instance as {@code --set}-style {@code key=value} overrides that {@link ConfigLoader} validates:
 * validation stays in one place, and an Estimator trains with exactly the {@link RunConfig} the command line would build.
 */
final class ConfigParams {

    static final String ROOT = "spark-lamb.";

    /** Param name → configuration key (without {@code spark-lamb.}), in documentation order. */
    static final Map<String, String> KEYS = keys();

    private static final Config DEFAULTS = ConfigLoader.defaults();

    private ConfigParams() {
    }

    private static Map<String, String> keys() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("featuresCol", "data.features-column");
        m.put("labelCol", "data.label-column");
        m.put("outputDir", "output");
        m.put("seed", "seed");
        m.put("partitions", "data.partitions");
        m.put("globalBatch", "training.global-batch");
        m.put("microBatch", "training.micro-batch");
        m.put("epochs", "training.epochs");
        m.put("maxSteps", "training.max-steps");
        m.put("allReduce", "training.all-reduce");
        m.put("optimizer", "optimizer.name");
        m.put("learningRate", "optimizer.learning-rate.base");
        m.put("baseBatch", "optimizer.learning-rate.base-batch");
        m.put("lrScaling", "optimizer.learning-rate.scaling");
        m.put("warmupFraction", "optimizer.learning-rate.warmup-fraction");
        m.put("weightDecay", "optimizer.weight-decay");
        m.put("excludeFromWeightDecay", "optimizer.exclude-from-weight-decay");
        m.put("modelPreset", "model.preset");
        m.put("modelConfigFile", "model.config-file");
        m.put("inputHeight", "model.input-height");
        m.put("inputWidth", "model.input-width");
        m.put("inputChannels", "model.input-channels");
        m.put("numClasses", "model.classes");
        return java.util.Collections.unmodifiableMap(m);
    }

    /** The default of {@code key} in {@code conf/spark-lamb-defaults.conf}. */
    static int defaultInt(String key) {
        return DEFAULTS.getInt(ROOT + key);
    }

    static long defaultLong(String key) {
        return DEFAULTS.getLong(ROOT + key);
    }

    static double defaultDouble(String key) {
        return DEFAULTS.getDouble(ROOT + key);
    }

    static String defaultString(String key) {
        return DEFAULTS.getString(ROOT + key);
    }

    static String[] defaultStrings(String key) {
        return DEFAULTS.getStringList(ROOT + key).toArray(new String[0]);
    }

    /** A Param's doc: what it is, then the key it sets. */
    static String doc(String param, String what) {
        return what + " (configuration key " + ROOT + KEYS.get(param) + ")";
    }

    /**
     * The overrides {@code owner}'s typed Params stand for (defined ones only; {@code outputDir} as {@code output}), then
     * {@code configOverrides}, which must not repeat a typed key.
     */
    static List<String> overrides(Params owner, String output, String[] configOverrides) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, String> e : KEYS.entrySet()) {
            String key = ROOT + e.getValue();
            if (e.getKey().equals("outputDir")) {
                out.add(key + "=" + render(output));
                continue;
            }
            Param<Object> p = owner.getParam(e.getKey());
            if (owner.isDefined(p)) {
                out.add(key + "=" + render(owner.getOrDefault(p)));
            }
        }
        for (String o : configOverrides) {
            int eq = o.indexOf('=');
            if (eq <= 0) {
                throw new ConfigurationException("configOverrides: '" + o + "': expected key=value");
            }
            String key = o.substring(0, eq).trim();
            String full = key.startsWith(ROOT) ? key : ROOT + key;
            for (Map.Entry<String, String> e : KEYS.entrySet()) {
                if (full.equals(ROOT + e.getValue())) {
                    throw new ConfigurationException("configOverrides: '" + key + "' is the typed Param '" + e.getKey()
                            + "'; set it with set" + Character.toUpperCase(e.getKey().charAt(0)) + e.getKey().substring(1) + " instead");
                }
            }
            out.add(full + "=" + o.substring(eq + 1));
        }
        return out;
    }

    /** The validated configuration, with errors naming the Param as well as the key. */
    static RunConfig load(String who, List<String> overrides) {
        try {
            return ConfigLoader.load("", who, overrides);
        } catch (ConfigurationException e) {
            String msg = e.getMessage();
            for (Map.Entry<String, String> k : KEYS.entrySet()) {
                if (msg.contains(ROOT + k.getValue() + " ") || msg.contains(ROOT + k.getValue() + ":")
                        || msg.contains("'" + ROOT + k.getValue() + "'")) {
                    msg = msg + " (Param '" + k.getKey() + "')";
                    break;
                }
            }
            throw new ConfigurationException(who + ": " + msg, e);
        }
    }

    private static String render(Object value) {
        Object v = value instanceof String[] a ? Arrays.asList(a) : value;
        return ConfigValueFactory.fromAnyRef(v).render(ConfigRenderOptions.concise());
    }
}
