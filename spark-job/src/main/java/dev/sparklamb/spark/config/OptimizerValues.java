package dev.sparklamb.spark.config;

import java.io.Serializable;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.function.Function;

/**
 * Every key of {@code spark-lamb.optimizer} with its value, whichever optimizer is chosen: what a configuration file
 * (or {@code LambTrainingMaster}'s builder) gives, before {@link #settings()} checks it against the chosen optimizer.
 * Each component is a key in camel case (the learning-rate keys prefixed, see {@link ResolvedConfiguration}).
 *
 * <p><b>Set or default.</b> A key counts as set when its value differs from {@code conf/spark-lamb-defaults.conf}'s
 * ({@link #defaults()}), wherever it came from; writing a key with its default value is the same as leaving it out.
 * A set key that the chosen optimizer does not use is refused ({@link #settings()}).
 *
 * @param weightDecay empty: {@code null} in the file, the optimizer's own default
 * @param epsilon     empty: {@code null} in the file, the optimizer's own default
 */
public record OptimizerValues(OptimizerKind name, double baseLearningRate, long baseBatch, LearningRateScaling scaling,
                              double warmupFraction, double decayPower, double endLearningRate, OptionalDouble weightDecay,
                              List<String> excludeFromWeightDecay, Optional<List<String>> excludeFromLayerAdaptation,
                              double maxGradientNorm, double trustRatioMin, double trustRatioMax, double beta1, double beta2,
                              OptionalDouble epsilon, boolean biasCorrection, double momentum, double trustCoefficient,
                              boolean excludeBatchNorm) implements Serializable {

    /** A key that only some optimizers use: its name under {@code spark-lamb.optimizer}, its value, who uses it. */
    private record OptionalKey(String key, Function<OptimizerValues, Object> value, List<OptimizerKind> usedBy) {
    }

    private static final List<OptimizerKind> ADAM_FAMILY = List.of(OptimizerKind.LAMB, OptimizerKind.ADAMW, OptimizerKind.ADAM);
    private static final List<OptimizerKind> TRUST_RATIO = List.of(OptimizerKind.LAMB, OptimizerKind.LARS);
    /** The keys not every optimizer uses; the others (learning rate, weight decay, exclusions, clipping) apply to all. */
    private static final List<OptionalKey> OPTIONAL_KEYS = List.of(
            new OptionalKey("exclude-from-layer-adaptation", OptimizerValues::excludeFromLayerAdaptation, TRUST_RATIO),
            new OptionalKey("trust-ratio-min", OptimizerValues::trustRatioMin, TRUST_RATIO),
            new OptionalKey("trust-ratio-max", OptimizerValues::trustRatioMax, TRUST_RATIO),
            new OptionalKey("beta1", OptimizerValues::beta1, ADAM_FAMILY),
            new OptionalKey("beta2", OptimizerValues::beta2, ADAM_FAMILY),
            new OptionalKey("epsilon", OptimizerValues::epsilon, ADAM_FAMILY),
            new OptionalKey("bias-correction", OptimizerValues::biasCorrection, List.of(OptimizerKind.LAMB)),
            new OptionalKey("momentum", OptimizerValues::momentum, List.of(OptimizerKind.LARS)),
            new OptionalKey("trust-coefficient", OptimizerValues::trustCoefficient, List.of(OptimizerKind.LARS)));

    public OptimizerValues {
        Objects.requireNonNull(name, OptimizerKind.KEY);
        Objects.requireNonNull(scaling, LearningRateScaling.KEY);
        Objects.requireNonNull(weightDecay, "spark-lamb.optimizer.weight-decay");
        excludeFromWeightDecay = List.copyOf(excludeFromWeightDecay);
        excludeFromLayerAdaptation = excludeFromLayerAdaptation.map(List::copyOf);
        Objects.requireNonNull(epsilon, "spark-lamb.optimizer.epsilon");
    }

    /** The values of {@code conf/spark-lamb-defaults.conf}. */
    public static OptimizerValues defaults() {
        return Defaults.VALUES;
    }

    /** Loaded on first use: reading the defaults file needs {@link ConfigLoader}. */
    private static final class Defaults {
        static final OptimizerValues VALUES = ConfigLoader.optimizerValues(ConfigLoader.defaults().resolve());
    }

    /** The values of settings made of these parts (what {@link OptimizerSettings#values()} gives). */
    static OptimizerValues of(OptimizerKind kind, LearningRateSettings lr, WeightDecaySettings wd, double maxGradientNorm,
                              LayerAdaptationSettings adaptation, double beta1, double beta2, OptionalDouble epsilon, boolean biasCorrection,
                              double momentum, double trustCoefficient) {
        return new OptimizerValues(kind, lr.base(), lr.baseBatch(), lr.scaling(), lr.warmupFraction(), lr.decayPower(), lr.end(),
                wd.rate(), wd.exclude(), adaptation.exclude(), maxGradientNorm, adaptation.trustRatioMin(), adaptation.trustRatioMax(),
                beta1, beta2, epsilon, biasCorrection, momentum, trustCoefficient, wd.excludeBatchNorm());
    }

    /** The learning-rate keys. */
    public LearningRateSettings learningRate() {
        return new LearningRateSettings(baseLearningRate, baseBatch, scaling, warmupFraction, decayPower, endLearningRate);
    }

    /** The weight-decay keys. */
    public WeightDecaySettings decay() {
        return new WeightDecaySettings(weightDecay, excludeFromWeightDecay, excludeBatchNorm);
    }

    /** The layer-adaptation keys (LAMB, LARS). */
    public LayerAdaptationSettings layerAdaptation() {
        return new LayerAdaptationSettings(excludeFromLayerAdaptation, trustRatioMin, trustRatioMax);
    }

    /**
     * The chosen optimizer's validated settings.
     *
     * @throws ConfigurationException naming every key that is set (differs from the defaults file) but not used by
     *                                {@link #name()}, or a key whose value is out of range
     */
    public OptimizerSettings settings() {
        List<String> unused = new ArrayList<>();
        for (OptionalKey k : OPTIONAL_KEYS) {
            Object value = k.value().apply(this);
            if (!k.usedBy().contains(name) && !Objects.equals(value, k.value().apply(defaults()))) {
                unused.add("spark-lamb.optimizer." + k.key() + " = " + show(value) + " (default " + show(k.value().apply(defaults()))
                        + "; used by " + k.usedBy() + ")");
            }
        }
        if (!unused.isEmpty()) {
            throw new ConfigurationException(String.join("; ", unused) + ": not used by optimizer " + name + " (" + OptimizerKind.KEY
                    + " = " + name + "), which would ignore " + (unused.size() == 1 ? "it" : "them") + "; remove "
                    + (unused.size() == 1 ? "the key" : "these keys") + " (or give the default), or choose an optimizer that uses "
                    + (unused.size() == 1 ? "it" : "them") + " (see conf/spark-lamb-defaults.conf)");
        }
        return switch (name) {
            case LAMB -> new LambSettings(learningRate(), decay(), layerAdaptation(), maxGradientNorm, beta1, beta2, epsilon, biasCorrection);
            case LARS -> new LarsSettings(learningRate(), decay(), layerAdaptation(), maxGradientNorm, momentum, trustCoefficient);
            case ADAMW -> new AdamWSettings(learningRate(), decay(), maxGradientNorm, beta1, beta2, epsilon);
            case ADAM -> new AdamSettings(learningRate(), decay(), maxGradientNorm, beta1, beta2, epsilon);
        };
    }

    private static String show(Object value) {
        if (value instanceof OptionalDouble o) {
            return o.isPresent() ? Double.toString(o.getAsDouble()) : "null";
        }
        if (value instanceof Optional<?> o) {
            return o.isPresent() ? o.get().toString() : "null";
        }
        return String.valueOf(value);
    }

    /**
     * {@code OptimizerSettings[name=lamb, baseLearningRate=0.001, ...]}: every component, an absent value as
     * {@code NaN}; the text checkpoints' {@code RunFingerprint} hashes (that of the untyped settings of earlier
     * versions, so that their checkpoints still resume).
     */
    @Override
    public String toString() {
        List<String> parts = new ArrayList<>();
        for (RecordComponent c : OptimizerValues.class.getRecordComponents()) {
            Object v;
            try {
                v = c.getAccessor().invoke(this);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("reading " + c, e);
            }
            parts.add(c.getName() + "=" + (v instanceof OptionalDouble o ? Double.toString(o.orElse(Double.NaN)) : v));
        }
        return "OptimizerSettings[" + String.join(", ", parts) + "]";
    }
}
