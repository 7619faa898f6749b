package dev.sparklamb.spark.model.dropout;

import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.dropout.AlphaDropout;
import org.deeplearning4j.nn.conf.dropout.Dropout;
import org.deeplearning4j.nn.conf.dropout.GaussianDropout;
import org.deeplearning4j.nn.conf.dropout.GaussianNoise;
import org.deeplearning4j.nn.conf.dropout.IDropout;
import org.deeplearning4j.nn.conf.dropout.SpatialDropout;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayer;
import org.deeplearning4j.nn.conf.layers.recurrent.Bidirectional;
import org.deeplearning4j.nn.conf.layers.wrapper.BaseWrapperLayer;
import org.deeplearning4j.nn.conf.weightnoise.DropConnect;
import org.deeplearning4j.nn.conf.weightnoise.IWeightNoise;
import org.deeplearning4j.nn.conf.weightnoise.WeightNoise;

/**
 * Replaces DL4J's dropouts in a network configuration by their keyed equivalents, and says which noise cannot be
 * made independent of partitioning.
 *
 * <p>Layer keys. Every layer configuration of the network, including the layers inside wrappers, gets a distinct,
 * stable key {@code (top << 16) | ordinal}:
 * <ul>
 * <li>{@code top}: for a {@link MultiLayerConfiguration}, the layer's index; for a
 * {@link ComputationGraphConfiguration}, the index of the vertex's name among all vertex names sorted by
 * {@link String#compareTo} (independent of map iteration order, JSON round trips and the order vertices were added
 * in; renaming or adding vertices changes the keys of the vertices sorted after).</li>
 * <li>{@code ordinal}: the position of the layer in a depth-first, pre-order walk of the wrapper tree rooted at the
 * top layer: 0 for the top layer itself; a wrapper's children are {@link BaseWrapperLayer#getUnderlying()}
 * ({@code LastTimeStep}, {@code TimeDistributed}, {@code MaskZeroLayer}, {@code FrozenLayerWithBackprop}),
 * {@link FrozenLayer#getLayer()}, and {@link Bidirectional#getFwd()} then {@link Bidirectional#getBwd()}, so the two
 * directions of a bidirectional layer draw independent masks.</li>
 * </ul>
 * DL4J's {@code DropoutLayer} keeps its dropout in the same {@code IDropout} slot and is covered like any layer.
 */
public final class KeyedDropouts {

    private KeyedDropouts() {
    }

    /** The layer key of layer {@code ordinal} in the wrapper tree of top-level layer (or vertex) {@code top}. */
    public static long layerKey(int top, int ordinal) {
        if (top < 0 || ordinal < 0 || ordinal > 0xFFFF) {
            throw new IllegalArgumentException("layer key needs top >= 0 and 0 <= ordinal <= 65535, got " + top + ", " + ordinal);
        }
        return ((long) top << 16) | ordinal;
    }

    /**
     * Replaces every layer's dropout by its keyed equivalent, in place (before the network is constructed).
     *
     * @return {@code conf}
     * @throws IllegalArgumentException naming the layer, if a layer has noise that {@link #refusal} refuses
     */
    public static MultiLayerConfiguration install(MultiLayerConfiguration conf) {
        int n = conf.getConfs().size();
        for (int pass = 0; pass < 2; pass++) { // check all, then replace: a refused configuration is left unchanged
            for (int i = 0; i < n; i++) {
                Layer layer = conf.getConf(i).getLayer();
                String where = "layer " + i + named(layer);
                if (pass == 0) {
                    check(layer, where);
                } else {
                    installTree(layer, i, where);
                }
            }
        }
        return conf;
    }

    /**
     * Replaces every layer vertex's dropout by its keyed equivalent, in place (before the network is constructed).
     *
     * @return {@code conf}
     * @throws IllegalArgumentException naming the vertex, if a layer has noise that {@link #refusal} refuses
     */
    public static ComputationGraphConfiguration install(ComputationGraphConfiguration conf) {
        List<String> names = new ArrayList<>(conf.getVertices().keySet());
        names.sort(String::compareTo);
        for (int pass = 0; pass < 2; pass++) { // check all, then replace: a refused configuration is left unchanged
            for (int i = 0; i < names.size(); i++) {
                GraphVertex vertex = conf.getVertices().get(names.get(i));
                if (vertex instanceof LayerVertex lv && lv.getLayerConf() != null && lv.getLayerConf().getLayer() != null) {
                    String where = "vertex '" + names.get(i) + "'";
                    if (pass == 0) {
                        check(lv.getLayerConf().getLayer(), where);
                    } else {
                        installTree(lv.getLayerConf().getLayer(), i, where);
                    }
                }
            }
        }
        return conf;
    }

    private static String named(Layer layer) {
        return layer.getLayerName() == null ? "" : " ('" + layer.getLayerName() + "')";
    }

    private static void check(Layer top, String where) {
        String problem = refusal(top);
        if (problem != null) {
            throw new IllegalArgumentException(where + ", " + problem);
        }
    }

    private static void installTree(Layer top, int index, String where) {
        List<Located> all = new ArrayList<>();
        walk(top, where, all);
        for (int ordinal = 0; ordinal < all.size(); ordinal++) {
            Located l = all.get(ordinal);
            IDropout d = l.layer.getIDropout();
            if (d != null) {
                l.layer.setIDropout(keyed(d, layerKey(index, ordinal), l.where));
            }
        }
    }

    private record Located(Layer layer, String where) {
    }

    private static void walk(Layer layer, String where, List<Located> out) {
        if (layer == null) {
            return;
        }
        out.add(new Located(layer, where));
        if (layer instanceof BaseWrapperLayer w) {
            walk(w.getUnderlying(), where + ", inside " + layer.getClass().getSimpleName(), out);
        } else if (layer instanceof FrozenLayer f) {
            walk(f.getLayer(), where + ", inside FrozenLayer", out);
        } else if (layer instanceof Bidirectional b) {
            walk(b.getFwd(), where + ", forward direction of Bidirectional", out);
            walk(b.getBwd(), where + ", backward direction of Bidirectional", out);
        }
    }

    /** All layer configurations of the tree rooted at {@code layer} (itself first, then wrapped layers depth-first). */
    public static List<Layer> layersOf(Layer layer) {
        List<Located> all = new ArrayList<>();
        walk(layer, "", all);
        return all.stream().map(Located::layer).toList();
    }

    /**
     * The keyed equivalent of a DL4J dropout (already keyed ones are re-keyed).
     *
     * @param layer description of the layer, for error messages
     * @throws IllegalArgumentException if {@link #refusal(IDropout)} refuses it
     */
    public static KeyedNoise keyed(IDropout dropout, long layerKey, String layer) {
        String problem = refusal(dropout);
        if (problem != null) {
            throw new IllegalArgumentException(layer + ": " + problem);
        }
        if (dropout instanceof Dropout d) {
            return new KeyedDropout(d.getP(), layerKey, layer);
        } else if (dropout instanceof GaussianDropout g) {
            return new KeyedGaussianDropout(g.getRate(), layerKey, layer);
        } else if (dropout instanceof GaussianNoise n) {
            return new KeyedGaussianNoise(n.getStddev(), layerKey, layer);
        } else if (dropout instanceof AlphaDropout a) {
            return new KeyedAlphaDropout(a.getP(), a.getAlpha(), a.getLambda(), layerKey, layer);
        } else if (dropout instanceof SpatialDropout s) {
            return new KeyedSpatialDropout(s.getP(), layerKey, layer);
        } else if (dropout instanceof KeyedDropout d) {
            return new KeyedDropout(d.getP(), layerKey, layer);
        } else if (dropout instanceof KeyedGaussianDropout g) {
            return new KeyedGaussianDropout(g.getRate(), layerKey, layer);
        } else if (dropout instanceof KeyedGaussianNoise n) {
            return new KeyedGaussianNoise(n.getStddev(), layerKey, layer);
        } else if (dropout instanceof KeyedAlphaDropout a) {
            return new KeyedAlphaDropout(a.getP(), a.getAlpha(), a.getLambda(), layerKey, layer);
        } else if (dropout instanceof KeyedSpatialDropout s) {
            return new KeyedSpatialDropout(s.getP(), layerKey, layer);
        }
        throw new IllegalArgumentException(layer + ": " + unknown(dropout));
    }

    /**
     * Why a dropout cannot be trained independently of partitioning, or null if it can (null, or a DL4J
     * {@code Dropout}, {@code GaussianDropout}, {@code GaussianNoise}, {@code AlphaDropout} or {@code SpatialDropout}
     * with a fixed value, or a keyed one).
     */
    public static String refusal(IDropout dropout) {
        if (dropout == null || dropout instanceof KeyedNoise) {
            return null;
        }
        Object schedule;
        String what;
        if (dropout.getClass() == Dropout.class) {
            schedule = ((Dropout) dropout).getPSchedule();
            what = "pSchedule";
        } else if (dropout.getClass() == GaussianDropout.class) {
            schedule = ((GaussianDropout) dropout).getRateSchedule();
            what = "rateSchedule";
        } else if (dropout.getClass() == GaussianNoise.class) {
            schedule = ((GaussianNoise) dropout).getStddevSchedule();
            what = "stddevSchedule";
        } else if (dropout.getClass() == AlphaDropout.class) {
            schedule = ((AlphaDropout) dropout).getPSchedule();
            what = "pSchedule";
        } else if (dropout.getClass() == SpatialDropout.class) {
            schedule = ((SpatialDropout) dropout).getPSchedule();
            what = "pSchedule";
        } else {
            return unknown(dropout);
        }
        if (schedule != null) {
            return dropout.getClass().getSimpleName() + " with a " + what + " (" + schedule.getClass().getSimpleName()
                    + ") is not supported: DL4J evaluates it at its own iteration/epoch counters, which this trainer does not advance "
                    + "like DL4J's fit; expected a fixed value, e.g. new " + dropout.getClass().getSimpleName() + "(0.8)";
        }
        return null;
    }

    private static String unknown(IDropout dropout) {
        return "dropout class " + dropout.getClass().getName() + " is not supported: its noise would come from ND4J's per-thread "
                + "random generator and depend on partitioning; expected one of DL4J's Dropout, GaussianDropout, GaussianNoise, "
                + "AlphaDropout, SpatialDropout (replaced by keyed equivalents)";
    }

    /**
     * Why weight noise cannot be trained independently of partitioning, or null if there is none. All weight noise is
     * refused: {@link DropConnect} and {@link WeightNoise} draw fresh noise for every weight on every forward pass,
     * shared by all examples of the micro-batch, so the noise an example sees (and the number of draws per step)
     * depends on how the global batch is split into micro-batches.
     */
    public static String refusal(IWeightNoise noise) {
        if (noise == null) {
            return null;
        }
        String kind = noise instanceof DropConnect ? "DropConnect" : noise instanceof WeightNoise ? "WeightNoise"
                : "weight noise class " + noise.getClass().getName();
        return kind + " is not supported: weight noise is drawn once per weight per forward pass and shared by the examples of "
                + "a micro-batch, so the gradient would depend on how the global batch is split into partitions and micro-batches; "
                + "remove it (expected weightNoise = null) or use dropout on the layer's input instead";
    }

    /**
     * Why a layer (and the layers it wraps) cannot be trained independently of partitioning: the first refused
     * dropout or weight noise in {@link #layersOf} order, or null.
     */
    public static String refusal(Layer layer) {
        List<Located> all = new ArrayList<>();
        walk(layer, "this layer", all);
        for (Located l : all) {
            String problem = refusal(l.layer.getIDropout());
            if (problem == null && l.layer instanceof BaseLayer base) {
                problem = refusal(base.getWeightNoise());
            }
            if (problem != null) {
                return l == all.get(0) ? problem : l.where.substring("this layer, ".length()) + ": " + problem;
            }
        }
        return null;
    }
}
