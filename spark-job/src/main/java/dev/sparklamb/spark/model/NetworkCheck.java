package dev.sparklamb.spark.model;

import dev.sparklamb.optim.TensorLayout;
import dev.sparklamb.spark.config.ConfigurationException;
import dev.sparklamb.spark.model.dropout.KeyedDropouts;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.api.Trainable;
import org.deeplearning4j.nn.api.TrainingConfig;
import org.deeplearning4j.nn.conf.GradientNormalization;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayerWithBackprop;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.nd4j.linalg.learning.config.IUpdater;

/**
 * The one check every entry point (the CLI and {@code SparkTrainer}, the DL4J drop-in {@code LambTrainingMaster})
 * runs on a network before anything is written: each layer and vertex is either trained exactly as DL4J's own
 * single-process {@code fit} would train it, with spark-lamb's optimizer in place of DL4J's updater, or refused with a
 * message naming the layer (index or vertex name, and its name) and the feature. Wrapper layers are unwrapped and the
 * wrapped layer is checked too. The result says what every tensor is ({@link ParameterRoles}).
 */
public final class NetworkCheck {

    private NetworkCheck() {
    }

    /** A trainable unit of the network: a layer or a vertex with parameters, and its tensors' prefix in the flat vector. */
    private record Unit(String where, String prefix, Layer layer, GraphVertex vertex, Trainable trainable) {
    }

    /**
     * Checks {@code network} and says what each of its tensors is.
     *
     * @param who    the start of every message: the key or API the network came through
     * @param freeze regexes (searched in tensor names) of tensors to freeze ({@code spark-lamb.model.freeze}); each
     *               must match at least one tensor
     */
    public static ParameterRoles check(Model network, String who, List<String> freeze) {
        List<Unit> units = units(network);
        for (Unit u : units) {
            requireSupported(u, who);
        }
        TensorLayout layout = ParameterLayout.of(network);
        List<Pattern> freezePatterns = new ArrayList<>();
        for (String regex : freeze) {
            Pattern p;
            try {
                p = Pattern.compile(regex);
            } catch (java.util.regex.PatternSyntaxException e) {
                throw new ConfigurationException("spark-lamb.model.freeze: '" + regex + "' is not a valid regular expression: "
                        + e.getDescription(), e);
            }
            if (layout.tensors().stream().noneMatch(t -> p.matcher(t.name()).find())) {
                throw new ConfigurationException("spark-lamb.model.freeze: '" + regex + "' matches no tensor of the network; its tensors are "
                        + layout.tensors().stream().map(t -> t.name()).toList());
            }
            freezePatterns.add(p);
        }
        List<Integer> optimized = new ArrayList<>();
        List<Double> l1 = new ArrayList<>();
        List<Double> l2 = new ArrayList<>();
        List<Integer> statistics = new ArrayList<>();
        List<ParameterRoles.StatisticKind> kinds = new ArrayList<>();
        List<String> normalization = new ArrayList<>();
        java.util.Map<String, Double> weightDecay = new java.util.LinkedHashMap<>();
        List<Integer> normGroup = new ArrayList<>();
        List<GradientNormalization> normModes = new ArrayList<>();
        List<Double> normThresholds = new ArrayList<>();
        IUpdater[] firstUpdater = new IUpdater[1];
        String[] firstUpdaterTensor = new String[1];
        for (Unit u : units) {
            Layer inner = unwrap(u.layer());
            TrainingConfig unitConfig = u.trainable().getConfig();
            GradientNormalization mode = unitConfig == null ? null : unitConfig.getGradientNormalization();
            int group = -1;
            if (mode != null && mode != GradientNormalization.None) {
                group = normModes.size();
                normModes.add(mode);
                normThresholds.add(unitConfig.getGradientNormalizationThreshold());
            }
            boolean frozenLayer = u.layer() instanceof FrozenLayer || u.layer() instanceof FrozenLayerWithBackprop;
            for (String param : u.trainable().paramTable(false).keySet()) {
                String name = u.prefix() + param;
                int index = layout.indexOf(name);
                if (index < 0) {
                    throw new IllegalStateException("tensor '" + name + "' of " + u.where() + " is not in the network's parameter table");
                }
                if (inner instanceof BatchNormalization && isStatistic(param)) {
                    if (!frozenLayer) {
                        statistics.add(index);
                        kinds.add(kindOf(param));
                    }
                    continue;
                }
                if (frozenLayer || freezePatterns.stream().anyMatch(p -> p.matcher(name).find())) {
                    continue;
                }
                TrainingConfig tc = u.trainable().getConfig();
                IUpdater updater = tc.getUpdaterByParam(param);
                if (firstUpdater[0] == null) {
                    firstUpdater[0] = updater;
                    firstUpdaterTensor[0] = name;
                } else if (!java.util.Objects.equals(firstUpdater[0], updater)) {
                    throw refused(who, u, "gives tensor '" + name + "' the updater " + updater + " while tensor '" + firstUpdaterTensor[0]
                            + "' has " + firstUpdater[0] + "; spark-lamb replaces DL4J's updater by one optimizer for every tensor, so "
                            + "per-layer updaters would be ignored: give all layers the same updater (it is not used), and freeze "
                            + "tensors with FrozenLayer or spark-lamb.model.freeze");
                }
                if (inner instanceof BatchNormalization) {
                    normalization.add(name);
                }
                double[] coefficients = RegularizationCoefficients.of(tc.getRegularizationByParam(param), param, problem -> refused(who, u, problem));
                if (coefficients[2] > 0) {
                    weightDecay.put(name, coefficients[2]);
                }
                optimized.add(index);
                normGroup.add(group);
                l1.add(coefficients[0]);
                l2.add(coefficients[1]);
            }
        }
        if (optimized.isEmpty()) {
            throw new ConfigurationException(who + ": the network has no tensor left to train (all are frozen"
                    + (freeze.isEmpty() ? "" : " or matched by spark-lamb.model.freeze " + freeze) + ")");
        }
        return new ParameterRoles(layout, optimized.stream().mapToInt(Integer::intValue).toArray(),
                l1.stream().mapToDouble(Double::doubleValue).toArray(), l2.stream().mapToDouble(Double::doubleValue).toArray(),
                statistics.stream().mapToInt(Integer::intValue).toArray(), kinds.toArray(new ParameterRoles.StatisticKind[0]), normalization, weightDecay,
                normModes.isEmpty() ? GradientNormalizations.NONE : new GradientNormalizations(normGroup.stream().mapToInt(Integer::intValue)
                        .toArray(), normModes.toArray(new GradientNormalization[0]), normThresholds.stream().mapToDouble(Double::doubleValue)
                        .toArray()));
    }

    /** Checks only that every layer and vertex is supported, with its settings (for configurations checked before a build). */
    public static void requireSupported(Model network, String who) {
        for (Unit u : units(network)) {
            requireSupported(u, who);
        }
    }

    private static List<Unit> units(Model network) {
        List<Unit> units = new ArrayList<>();
        if (network instanceof MultiLayerNetwork net) {
            org.deeplearning4j.nn.api.Layer[] layers = net.getLayers();
            for (int i = 0; i < layers.length; i++) {
                // the configuration's layer, not the runtime layer's conf(): a frozen layer's runtime conf() is the wrapped one
                Layer conf = net.getLayerWiseConfigurations().getConf(i).getLayer();
                String name = conf.getLayerName();
                String where = "layer " + i + (name == null || name.equals(String.valueOf(i)) ? "" : " ('" + name + "')")
                        + " (" + conf.getClass().getSimpleName() + ")";
                units.add(new Unit(where, i + "_", conf, null, layers[i]));
            }
        } else if (network instanceof ComputationGraph graph) {
            Map<String, GraphVertex> vertices = graph.getConfiguration().getVertices();
            for (org.deeplearning4j.nn.graph.vertex.GraphVertex v : graph.getVertices()) {
                if (v.isInputVertex()) {
                    continue;
                }
                GraphVertex conf = vertices.get(v.getVertexName());
                Layer layer = conf instanceof LayerVertex lv ? lv.getLayerConf().getLayer() : null;
                String where = "vertex '" + v.getVertexName() + "' ("
                        + (layer != null ? layer.getClass().getSimpleName() : conf.getClass().getSimpleName()) + ")";
                units.add(new Unit(where, v.getVertexName() + "_", layer, conf, v));
            }
        } else {
            throw new IllegalArgumentException("not a MultiLayerNetwork or ComputationGraph: " + network.getClass().getName());
        }
        return units;
    }

    private static void requireSupported(Unit u, String who) {
        if (u.vertex() != null && !(u.vertex() instanceof LayerVertex)) {
            String why = LayerSupport.refusal(u.vertex());
            if (why != null) {
                throw refused(who, u, why);
            }
            return;
        }
        Layer layer = u.layer();
        for (Layer l = layer; l != null; l = wrapped(l)) {
            String why = LayerSupport.refusal(l);
            if (why != null) {
                throw refused(who, u, (l == layer ? "" : "wraps a " + l.getClass().getSimpleName() + ", which ") + why);
            }
            requireSettingsSupported(who, u, l);
        }
    }

    /**
     * Dropout (honoured with keyed, partition-independent masks, except schedules), weight noise, gradient
     * normalization and batch-normalization options of one (unwrapped) layer.
     */
    private static void requireSettingsSupported(String who, Unit u, Layer l) {
        if (l.getIDropout() != null) {
            String ignored = dropoutProblem(l);
            if (ignored != null) {
                throw refused(who, u, "sets dropout (" + l.getIDropout().getClass().getSimpleName() + "), but " + ignored + "; remove the layer's dropout (also one "
                        + "inherited from the network builder's dropOut) and put a DropoutLayer before the layer instead (on sequence "
                        + "activations [examples, size, L]: spark-lamb's TokenDropout, as DL4J's DropoutLayer fails there with a features mask)");
            }
        }
        String noise = KeyedDropouts.refusal(l);
        if (noise != null) {
            throw refused(who, u, noise);
        }
        if (l instanceof BaseLayer base) {
            if (l instanceof BatchNormalization && base.getGradientNormalization() != null
                    && base.getGradientNormalization() != GradientNormalization.None) {
                throw refused(who, u, "uses gradient normalization " + base.getGradientNormalization() + " on a BatchNormalization layer, "
                        + "where DL4J would normalize the running statistics' changes together with the gradients; remove it");
            }
        }
        if (l instanceof BatchNormalization bn && !bn.isMinibatch()) {
            throw refused(who, u, "sets minibatch(false) (full-data-set statistics), which DL4J applies per fit call; "
                    + "use the default minibatch(true)");
        }
    }

    /** Why DL4J does not apply a dropout set on layer {@code l} as dropout of the layer's input, or null if it does. */
    private static String dropoutProblem(Layer l) {
        if (l instanceof org.deeplearning4j.nn.conf.layers.samediff.AbstractSameDiffLayer) {
            return "DL4J 1.0.0-M2 ignores the dropout of SameDiff layers (" + l.getClass().getSimpleName() + " is one): it would "
                    + "silently not be applied";
        }
        if (l instanceof org.deeplearning4j.nn.conf.layers.EmbeddingLayer || l instanceof org.deeplearning4j.nn.conf.layers.EmbeddingSequenceLayer) {
            return "DL4J 1.0.0-M2's embedding layers throw on dropout of their (index) input";
        }
        if (l instanceof org.deeplearning4j.nn.conf.layers.RnnOutputLayer) {
            return "DL4J's RnnOutputLayer applies it after reshaping its input to one row per position, which the trainer's "
                    + "per-example keyed dropout cannot key";
        }
        return null;
    }

    private static boolean isStatistic(String param) {
        return param.equals(BatchNormalizationParamInitializer.GLOBAL_MEAN) || param.equals(BatchNormalizationParamInitializer.GLOBAL_VAR)
                || param.equals(BatchNormalizationParamInitializer.GLOBAL_LOG_STD);
    }

    private static ParameterRoles.StatisticKind kindOf(String param) {
        return switch (param) {
            case BatchNormalizationParamInitializer.GLOBAL_MEAN -> ParameterRoles.StatisticKind.MEAN;
            case BatchNormalizationParamInitializer.GLOBAL_VAR -> ParameterRoles.StatisticKind.VARIANCE;
            default -> ParameterRoles.StatisticKind.LOG10_STD;
        };
    }

    private static Layer unwrap(Layer layer) {
        Layer l = layer;
        while (l != null && wrapped(l) != null) {
            l = wrapped(l);
        }
        return l;
    }

    /** The layer a wrapper layer wraps, or null. */
    private static Layer wrapped(Layer layer) {
        if (layer instanceof FrozenLayer f) {
            return f.getLayer();
        }
        if (layer instanceof org.deeplearning4j.nn.conf.layers.wrapper.BaseWrapperLayer w) {
            return w.getUnderlying();
        }
        if (layer instanceof org.deeplearning4j.nn.conf.layers.recurrent.Bidirectional b) {
            return b.getFwd();
        }
        return null;
    }

    private static ConfigurationException refused(String who, Unit u, String problem) {
        return new ConfigurationException(who + ": " + u.where() + " " + problem);
    }
}
