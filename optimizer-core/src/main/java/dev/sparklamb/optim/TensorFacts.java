package dev.sparklamb.optim;

import java.util.List;
import java.util.Map;

/**
 * What an update rule needs to know per tensor of one layout, as data: its weight-decay coefficient and whether layer
 * adaptation (the trust ratio) applies to it. Resolved once per layout from a {@link Recipe}; both drivers use the
 * same facts, so they treat every tensor alike.
 */
final class TensorFacts {

    private final double[] weightDecay;
    private final boolean[] adapted;

    private TensorFacts(double[] weightDecay, boolean[] adapted) {
        this.weightDecay = weightDecay;
        this.adapted = adapted;
    }

    /**
     * The per-tensor options of a config.
     *
     * @param weightDecay                the coefficient of every tensor not excluded and not overridden
     * @param excludeFromWeightDecay     regexes (searched in names): matching tensors get 0 unless overridden
     * @param layerAdaptation            whether the rule has a trust ratio at all
     * @param excludeFromLayerAdaptation regexes: matching tensors use ratio 1 (not changed by overrides)
     * @param weightDecayOverrides       exact tensor name to coefficient, taking precedence over the two above
     */
    record Recipe(double weightDecay, List<String> excludeFromWeightDecay, boolean layerAdaptation,
                  List<String> excludeFromLayerAdaptation, Map<String, Double> weightDecayOverrides) {

        /**
         * The facts for {@code layout}.
         *
         * @throws IllegalArgumentException naming the tensor when an override names a tensor the layout lacks
         */
        TensorFacts resolve(TensorLayout layout) {
            TensorMask decayMask = TensorMask.excluding(layout, excludeFromWeightDecay, "excludeFromWeightDecay");
            TensorMask adaptationMask = TensorMask.excluding(layout, excludeFromLayerAdaptation, "excludeFromLayerAdaptation");
            double[] decay = new double[layout.size()];
            boolean[] adapted = new boolean[layout.size()];
            for (int i = 0; i < layout.size(); i++) {
                decay[i] = decayMask.included(i) ? weightDecay : 0.0;
                adapted[i] = layerAdaptation && adaptationMask.included(i);
            }
            for (Map.Entry<String, Double> e : weightDecayOverrides.entrySet()) {
                int i = layout.indexOf(e.getKey());
                if (i < 0) {
                    throw new IllegalArgumentException("weightDecayOverrides names tensor '" + e.getKey()
                            + "', which is not in the layout; expected one of its " + layout.size() + " tensor names " + someNames(layout));
                }
                decay[i] = e.getValue();
            }
            return new TensorFacts(decay, adapted);
        }
    }

    /** Up to ten of the layout's names, for messages. */
    private static String someNames(TensorLayout layout) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < Math.min(10, layout.size()); i++) {
            sb.append(i == 0 ? "'" : ", '").append(layout.name(i)).append('\'');
        }
        return sb.append(layout.size() > 10 ? ", ...]" : "]").toString();
    }

    int size() {
        return weightDecay.length;
    }

    /** Tensor {@code i}'s weight-decay coefficient (0 when excluded), as its rule applies weight decay. */
    double weightDecay(int i) {
        return weightDecay[i];
    }

    /** Whether tensor {@code i}'s step size is scaled by its trust ratio. */
    boolean adapted(int i) {
        return adapted[i];
    }
}
