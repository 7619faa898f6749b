package dev.sparklamb.spark.config;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.OptionalDouble;
import java.util.regex.Pattern;

/**
 * Weight decay and the tensors it skips; every optimizer has them (decoupled for LAMB and AdamW, inside the momentum
 * for LARS, L2 added to the gradient for Adam).
 *
 * @param rate             {@code spark-lamb.optimizer.weight-decay}; empty: the optimizer's own default
 * @param exclude          {@code exclude-from-weight-decay}: regexes searched in tensor names
 * @param excludeBatchNorm {@code exclude-batch-norm}: also exclude batch normalization's gamma and beta (from weight
 *                         decay and, for LAMB and LARS, from layer adaptation)
 */
public record WeightDecaySettings(OptionalDouble rate, List<String> exclude, boolean excludeBatchNorm) implements Serializable {

    public WeightDecaySettings {
        Objects.requireNonNull(rate, Checks.ROOT + "optimizer.weight-decay");
        rate.ifPresent(v -> Checks.nonNegative("optimizer.weight-decay", v));
        exclude = Checks.regexes("optimizer.exclude-from-weight-decay", exclude);
    }

    /** The rate, or {@code optimizerDefault} when none is configured. */
    public double rateOr(double optimizerDefault) {
        return rate.orElse(optimizerDefault);
    }

    /** These settings with {@code exact} (regexes) appended to {@link #exclude}. */
    WeightDecaySettings excluding(List<String> exact) {
        List<String> all = new ArrayList<>(exclude);
        all.addAll(exact);
        return new WeightDecaySettings(rate, all, excludeBatchNorm);
    }

    /** Regexes that match exactly these tensor names. */
    static List<String> exactly(List<String> tensors) {
        return tensors.stream().map(t -> "^" + Pattern.quote(t) + "$").toList();
    }
}
