package dev.sparklamb.spark.config;

import dev.sparklamb.optim.TrustRatioClamp;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The layer-wise trust ratio of LAMB and LARS: which tensors use ratio 1, and its bounds.
 *
 * @param exclude       {@code spark-lamb.optimizer.exclude-from-layer-adaptation}; empty: the weight-decay list
 * @param trustRatioMin {@code trust-ratio-min}; with {@code trustRatioMax}, 0 and 0 mean no bounds
 * @param trustRatioMax {@code trust-ratio-max}
 */
public record LayerAdaptationSettings(Optional<List<String>> exclude, double trustRatioMin, double trustRatioMax)
        implements Serializable {

    public LayerAdaptationSettings {
        Objects.requireNonNull(exclude, Checks.ROOT + "optimizer.exclude-from-layer-adaptation");
        exclude = exclude.map(l -> Checks.regexes("optimizer.exclude-from-layer-adaptation", l));
        Checks.nonNegative("optimizer.trust-ratio-min", trustRatioMin);
        Checks.nonNegative("optimizer.trust-ratio-max", trustRatioMax);
        if (trustRatioMin > trustRatioMax) {
            throw new ConfigurationException(Checks.ROOT + "optimizer.trust-ratio-min (" + trustRatioMin + ") must not exceed "
                    + Checks.ROOT + "optimizer.trust-ratio-max (" + trustRatioMax + ")");
        }
    }

    /** The bounds, or none when both are 0. */
    public Optional<TrustRatioClamp> clamp() {
        return trustRatioMin == 0 && trustRatioMax == 0 ? Optional.empty() : Optional.of(new TrustRatioClamp(trustRatioMin, trustRatioMax));
    }

    /** These settings with {@code exact} (regexes) appended to an explicit exclusion list (an empty one follows weight decay's). */
    LayerAdaptationSettings excluding(List<String> exact) {
        return new LayerAdaptationSettings(exclude.map(l -> {
            List<String> all = new ArrayList<>(l);
            all.addAll(exact);
            return List.copyOf(all);
        }), trustRatioMin, trustRatioMax);
    }
}
