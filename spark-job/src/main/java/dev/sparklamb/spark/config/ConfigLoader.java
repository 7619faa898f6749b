package dev.sparklamb.spark.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigSyntax;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;

/**
 * Loads a run's HOCON configuration over the documented defaults ({@code conf/spark-lamb-defaults.conf}, packaged
 * as the classpath resource {@value #DEFAULTS_RESOURCE}) into a validated {@link RunConfig}. Unknown keys, wrong
 * types and out-of-range values fail with a {@link ConfigurationException} naming the key's full path. This class
 * reads types (and the ranges of the model, checkpoint, lease and spark sections); the closed choices are parsed by
 * their enums, and the ranges of the training, data-partition and optimizer keys, and which optimizer uses which key,
 * are checked by the settings records themselves ({@link TrainingSettings}, {@link DataSettings},
 * {@link OptimizerValues#settings()}), so that a {@link RunConfig} built in code obeys the same rules.
 */
public final class ConfigLoader {

    public static final String DEFAULTS_RESOURCE = "spark-lamb-defaults.conf";
    private static final String ROOT = "spark-lamb.";

    private ConfigLoader() {
    }

    /** The defaults file alone. */
    public static Config defaults() {
        Config d = ConfigFactory.parseResources(ConfigLoader.class.getClassLoader(), DEFAULTS_RESOURCE,
                ConfigParseOptions.defaults().setAllowMissing(false));
        return d;
    }

    /**
     * @param hocon     the run's configuration text (may be empty)
     * @param source    where it came from, for messages
     * @param overrides {@code key=value} pairs (HOCON values), applied last
     */
    public static RunConfig load(String hocon, String source, List<String> overrides) {
        Config user;
        try {
            user = ConfigFactory.parseString(hocon, ConfigParseOptions.defaults().setOriginDescription(source).setSyntax(ConfigSyntax.CONF));
        } catch (ConfigException e) {
            throw new ConfigurationException(source + ": not valid HOCON: " + e.getMessage(), e);
        }
        for (String o : overrides) {
            int eq = o.indexOf('=');
            if (eq <= 0) {
                throw new ConfigurationException("override '" + o + "': expected key=value");
            }
            try {
                Config one = ConfigFactory.parseString(o, ConfigParseOptions.defaults().setOriginDescription("override " + o.substring(0, eq)));
                user = one.withFallback(user);
            } catch (ConfigException e) {
                throw new ConfigurationException("override '" + o + "': " + e.getMessage(), e);
            }
        }
        return fromConfig(user);
    }

    /** Validates {@code user} (layered over the defaults) into a {@link RunConfig}. */
    public static RunConfig fromConfig(Config user) {
        Config defaults = defaults();
        rejectUnknownKeys(user, defaults);
        Config c;
        try {
            c = user.withFallback(defaults).resolve();
            return build(c);
        } catch (ConfigException e) {
            throw new ConfigurationException(describe(e), e);
        }
    }

    private static void rejectUnknownKeys(Config user, Config defaults) {
        rejectUnknownKeys(user.root(), "", defaults);
    }

    /** Walks the tree itself: {@code Config.entrySet()} skips keys whose value is null. */
    private static void rejectUnknownKeys(ConfigObject object, String prefix, Config defaults) {
        for (Map.Entry<String, ConfigValue> e : object.entrySet()) {
            String path = prefix.isEmpty() ? ConfigUtil.joinPath(e.getKey()) : prefix + "." + ConfigUtil.joinPath(e.getKey());
            if (!defaults.hasPathOrNull(path)) {
                String origin = e.getValue().origin().description();
                throw new ConfigurationException("unknown configuration key '" + path + "' (" + origin
                        + "); see conf/spark-lamb-defaults.conf for the keys that exist" + suggestion(path, defaults));
            }
            if (e.getValue() instanceof ConfigObject child && !defaults.getIsNull(path)
                    && defaults.getValue(path) instanceof ConfigObject) {
                rejectUnknownKeys(child, path, defaults);
            }
        }
        // A user leaf replacing a default object (or the reverse) is caught by the typed getters below.
    }

    private static String suggestion(String path, Config defaults) {
        int dot = path.lastIndexOf('.');
        String parent = dot < 0 ? "" : path.substring(0, dot);
        if (!parent.isEmpty() && defaults.hasPath(parent) && defaults.getValue(parent) instanceof ConfigObject o) {
            Set<String> keys = o.keySet();
            return "; keys under '" + parent + "': " + keys;
        }
        return "";
    }

    private static String describe(ConfigException e) {
        String m = e.getMessage();
        return "configuration: " + m;
    }

    private static RunConfig build(Config c) {
        String output = nonEmpty(c, "output");
        long seed = wholeNumber(c, "seed", Long.MIN_VALUE, Long.MAX_VALUE);

        ModelSettings model = new ModelSettings(
                ModelPreset.parse(c.getString(ModelPreset.KEY)),
                c.getString(ROOT + "model.config-file"),
                positiveInt(c, "model.input-height"),
                positiveInt(c, "model.input-width"),
                positiveInt(c, "model.input-channels"),
                atLeast(c, "model.classes", 2),
                c.getString(ROOT + "model.init-from"),
                c.getStringList(ROOT + "model.freeze"),
                new BertSettings(integer(c, "model.bert.hidden"), integer(c, "model.bert.layers"), integer(c, "model.bert.heads"),
                        integer(c, "model.bert.feed-forward"), integer(c, "model.bert.max-length"), c.getDouble(ROOT + "model.bert.dropout")));

        DataSettings data = new DataSettings(
                c.getString(ROOT + "data.train"),
                c.getString(ROOT + "data.test"),
                DataFormat.parse(c.getString(DataFormat.KEY)),
                nonEmpty(c, "data.features-column"),
                nonEmpty(c, "data.label-column"),
                integer(c, "data.partitions"),
                new TokenSettings(
                        integer(c, "data.tokens.sequence-length"),
                        integer(c, "data.tokens.pad-id"),
                        integer(c, "data.tokens.unk-id"),
                        integer(c, "data.tokens.cls-id"),
                        integer(c, "data.tokens.sep-id"),
                        integer(c, "data.tokens.mask-id"),
                        c.getDouble(ROOT + "data.tokens.mask-fraction")),
                DataCache.parse(c.getString(DataCache.KEY)));

        TrainingSettings training = new TrainingSettings(
                integer(c, "training.global-batch"),
                integer(c, "training.micro-batch"),
                integer(c, "training.epochs"),
                wholeNumber(c, "training.max-steps", Long.MIN_VALUE, Long.MAX_VALUE),
                wholeNumber(c, "training.eval-every-steps", Long.MIN_VALUE, Long.MAX_VALUE),
                c.getDouble(ROOT + "training.progress-every-seconds"),
                integer(c, "training.all-reduce-fan-in"),
                integer(c, "training.max-consecutive-bad-steps"),
                AllReduceMode.parse(c.getString(AllReduceMode.KEY)),
                integer(c, "training.shards"),
                integer(c, "training.batch-norm-group"),
                StagesLoader.stages(c, integer(c, "training.micro-batch")));

        OptimizerSettings optimizer = optimizerValues(c).settings();
        try {
            optimizer.create(1, training.globalBatch());
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException(ROOT + "optimizer: " + e.getMessage(), e);
        }

        SparkSettings spark = new SparkSettings(nonEmpty(c, "spark.master"), nonEmpty(c, "spark.app-name"));
        CheckpointSettings checkpoint = new CheckpointSettings(atLeast(c, "checkpoint.every-steps", 0), atLeast(c, "checkpoint.keep", 1),
                c.getString(ROOT + "checkpoint.dir"));
        DeviceSettings device = new DeviceSettings(DeviceType.parse(c.getString(DeviceType.KEY)), c.getBoolean(ROOT + "device.cpu-fallback"),
                nonEmpty(c, "device.gpu-resource"));
        LeaseSettings lease = new LeaseSettings(atLeast(c, "lease.timeout-seconds", 1));
        TrackingSettings tracking = new TrackingSettings(new MlflowSettings(
                MlflowSwitch.parse(c.getString(MlflowSwitch.KEY)),
                c.getString(ROOT + "tracking.mlflow.tracking-uri").trim(),
                nonEmpty(c, "tracking.mlflow.experiment"),
                atLeast(c, "tracking.mlflow.queue-capacity", 1),
                atLeast(c, "tracking.mlflow.flush-timeout-seconds", 0)));
        for (int i = 0; i < training.nextStages().size(); i++) {
            training.nextStages().get(i).check(StagesLoader.KEY + "[" + i + "]", data.isTokens());
        }
        return new RunConfig(output, seed, model, data, training, optimizer, spark, checkpoint, device, lease, tracking);
    }

    private static String nonEmpty(Config c, String key) {
        String v = c.getString(ROOT + key);
        if (v.isBlank()) {
            throw new ConfigurationException(ROOT + key + " must not be empty");
        }
        return v;
    }

    /**
     * Every {@code spark-lamb.optimizer} key of {@code c} (a resolved configuration with every key), type-checked; the
     * ranges and which keys the chosen optimizer uses are checked by {@link OptimizerValues#settings()}.
     */
    static OptimizerValues optimizerValues(Config c) {
        String o = ROOT + "optimizer.";
        return new OptimizerValues(
                OptimizerKind.parse(c.getString(OptimizerKind.KEY)),
                c.getDouble(o + "learning-rate.base"),
                wholeNumber(c, "optimizer.learning-rate.base-batch", Long.MIN_VALUE, Long.MAX_VALUE),
                LearningRateScaling.parse(c.getString(LearningRateScaling.KEY)),
                c.getDouble(o + "learning-rate.warmup-fraction"),
                c.getDouble(o + "learning-rate.decay-power"),
                c.getDouble(o + "learning-rate.end"),
                c.getIsNull(o + "weight-decay") ? OptionalDouble.empty() : OptionalDouble.of(c.getDouble(o + "weight-decay")),
                c.getStringList(o + "exclude-from-weight-decay"),
                c.getIsNull(o + "exclude-from-layer-adaptation") ? Optional.empty()
                        : Optional.of(c.getStringList(o + "exclude-from-layer-adaptation")),
                c.getDouble(o + "max-gradient-norm"),
                c.getDouble(o + "trust-ratio-min"),
                c.getDouble(o + "trust-ratio-max"),
                c.getDouble(o + "beta1"),
                c.getDouble(o + "beta2"),
                c.getIsNull(o + "epsilon") ? OptionalDouble.empty() : OptionalDouble.of(c.getDouble(o + "epsilon")),
                c.getBoolean(o + "bias-correction"),
                c.getDouble(o + "momentum"),
                c.getDouble(o + "trust-coefficient"),
                c.getBoolean(o + "exclude-batch-norm"));
    }

    /** An int key; its range is the record's to check. */
    private static int integer(Config c, String key) {
        return (int) wholeNumber(c, key, Integer.MIN_VALUE, Integer.MAX_VALUE);
    }

    private static int positiveInt(Config c, String key) {
        return atLeast(c, key, 1);
    }

    private static int atLeast(Config c, String key, int min) {
        return (int) atLeastLong(c, key, min, Integer.MIN_VALUE, Integer.MAX_VALUE);
    }

    /** An integer key of a type whose range is {@code [typeMin, typeMax]}, which must be at least {@code min}. */
    private static long atLeastLong(Config c, String key, long min, long typeMin, long typeMax) {
        long v = wholeNumber(c, key, typeMin, typeMax);
        if (v < min) {
            throw new ConfigurationException(ROOT + key + " must be >= " + min + ", got " + v);
        }
        return v;
    }

    /** A plain decimal number, optionally signed and with a fraction or exponent (what HOCON accepts as a number). */
    private static final java.util.regex.Pattern NUMBER = java.util.regex.Pattern.compile("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?");
    /** A number followed by letters: a unit such as {@code 10s}, {@code 8k}, {@code 512MB}. */
    private static final java.util.regex.Pattern WITH_UNIT = java.util.regex.Pattern.compile("\\s*[+-]?[\\d.]+\\s*([a-zA-Z]+)\\s*");

    /**
     * The one place that reads integer keys (int and long): the value must be a whole number (a number or a string
     * holding one, as HOCON allows) in {@code [lo, hi]}, without a fraction and without a unit. Typesafe Config's own
     * {@code getInt}/{@code getLong} would silently truncate {@code 2.5} to 2 and clamp a number too large for a long.
     */
    private static long wholeNumber(Config c, String key, long lo, long hi) {
        String path = ROOT + key;
        ConfigValue value = c.getValue(path);
        Object raw = value.unwrapped();
        String text;
        if (raw instanceof Number) {
            text = value.render(com.typesafe.config.ConfigRenderOptions.concise()).trim();
        } else if (raw instanceof String s) {
            text = s.trim();
        } else {
            return c.getLong(path); // an object, list or boolean: Typesafe Config's own "has type X rather than NUMBER"
        }
        String where = " (" + value.origin().description() + ")";
        if (!NUMBER.matcher(text).matches()) {
            java.util.regex.Matcher unit = WITH_UNIT.matcher(text);
            if (unit.matches()) {
                throw new ConfigurationException(path + ": '" + text + "' has a unit suffix ('" + unit.group(1)
                        + "'); expected a plain integer without a unit" + where);
            }
            return c.getLong(path); // not a number at all: Typesafe Config's "has type STRING rather than NUMBER"
        }
        java.math.BigDecimal exact = new java.math.BigDecimal(text);
        java.math.BigInteger whole;
        try {
            whole = exact.toBigIntegerExact();
        } catch (ArithmeticException fractional) {
            throw new ConfigurationException(path + ": " + text + " is not a whole number; expected an integer" + where);
        }
        if (whole.compareTo(java.math.BigInteger.valueOf(lo)) < 0 || whole.compareTo(java.math.BigInteger.valueOf(hi)) > 0) {
            throw new ConfigurationException(path + ": " + text + " is out of range; expected an integer in [" + lo + ", " + hi + "]" + where);
        }
        return whole.longValueExact();
    }
}
