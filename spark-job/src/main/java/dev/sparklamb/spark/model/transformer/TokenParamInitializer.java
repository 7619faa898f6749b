package dev.sparklamb.spark.model.transformer;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** Views of a {@link TokenLayer}'s parameters (and gradients) in DL4J's flat vector, in {@link TokenLayer#parameters()} order. */
final class TokenParamInitializer implements ParamInitializer {

    private static List<TokenLayer.Param> params(Layer layer) {
        return ((TokenLayer) layer).parameters();
    }

    @Override
    public long numParams(NeuralNetConfiguration conf) {
        return numParams(conf.getLayer());
    }

    @Override
    public long numParams(Layer layer) {
        return params(layer).stream().mapToLong(TokenLayer.Param::length).sum();
    }

    @Override
    public List<String> paramKeys(Layer layer) {
        return params(layer).stream().map(TokenLayer.Param::name).toList();
    }

    @Override
    public List<String> weightKeys(Layer layer) {
        return params(layer).stream().filter(p -> !p.bias()).map(TokenLayer.Param::name).toList();
    }

    @Override
    public List<String> biasKeys(Layer layer) {
        return params(layer).stream().filter(TokenLayer.Param::bias).map(TokenLayer.Param::name).toList();
    }

    @Override
    public boolean isWeightParam(Layer layer, String key) {
        return weightKeys(layer).contains(key);
    }

    @Override
    public boolean isBiasParam(Layer layer, String key) {
        return biasKeys(layer).contains(key);
    }

    @Override
    public Map<String, INDArray> init(NeuralNetConfiguration conf, INDArray paramsView, boolean initializeParams) {
        Map<String, INDArray> views = views(conf.getLayer(), paramsView);
        if (initializeParams) {
            for (TokenLayer.Param p : params(conf.getLayer())) {
                p.init(views.get(p.name()));
            }
        }
        return views;
    }

    @Override
    public Map<String, INDArray> getGradientsFromFlattened(NeuralNetConfiguration conf, INDArray gradientView) {
        return views(conf.getLayer(), gradientView);
    }

    private static Map<String, INDArray> views(Layer layer, INDArray flat) {
        if (flat == null && params(layer).isEmpty()) {
            return new LinkedHashMap<>(); // DL4J gives a layer without parameters no view
        }
        INDArray vector = flat.reshape('c', new long[] {flat.length()});
        Map<String, INDArray> out = new LinkedHashMap<>();
        long at = 0;
        List<String> seen = new ArrayList<>();
        for (TokenLayer.Param p : params(layer)) {
            INDArray part = vector.get(NDArrayIndex.interval(at, at + p.length())).reshape('c', p.rows(), p.columns());
            out.put(p.name(), part);
            seen.add(p.name());
            at += p.length();
        }
        if (at != flat.length()) {
            throw new IllegalStateException(layer.getClass().getSimpleName() + ": " + flat.length() + " values for parameters " + seen
                    + " of " + at + " values");
        }
        return out;
    }
}
