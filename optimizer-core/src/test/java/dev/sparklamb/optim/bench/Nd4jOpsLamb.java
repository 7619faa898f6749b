package dev.sparklamb.optim.bench;

import dev.sparklamb.optim.LambConfig;
import dev.sparklamb.optim.NamedTensors;
import dev.sparklamb.optim.TensorLayout;
import java.util.List;
import java.util.regex.Pattern;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The same LAMB step as {@code LambConfig}'s optimizer (constant learning rate, gradient scale 1, no clamp, no
 * clipping), written the obvious way: a couple of dozen separate in-place ND4J ops per tensor, each a full pass over
 * the tensor. Only for the benchmark's "ND4J ops vs fused loop" comparison.
 */
final class Nd4jOpsLamb {

    private final LambConfig config;
    private final double lr;
    private final TensorLayout layout;
    private final boolean[] decays;
    private final boolean[] adapts;
    private final INDArray[] m;
    private final INDArray[] v;
    private final INDArray[] t1;
    private final INDArray[] t2;
    private long step;

    Nd4jOpsLamb(LambConfig config, TensorLayout layout) {
        if (config.trustRatioClamp().isPresent() || config.maxGradientNorm().isPresent() || !config.biasCorrection()) {
            throw new IllegalArgumentException("only the plain LAMB configuration is implemented here");
        }
        this.config = config;
        this.lr = config.learningRate().rate(0);
        this.layout = layout;
        int n = layout.size();
        decays = new boolean[n];
        adapts = new boolean[n];
        m = new INDArray[n];
        v = new INDArray[n];
        t1 = new INDArray[n];
        t2 = new INDArray[n];
        List<Pattern> wd = config.excludeFromWeightDecay().stream().map(Pattern::compile).toList();
        List<Pattern> la = config.effectiveLayerAdaptationExclusions().stream().map(Pattern::compile).toList();
        for (int i = 0; i < n; i++) {
            String name = layout.name(i);
            decays[i] = wd.stream().noneMatch(p -> p.matcher(name).find());
            adapts[i] = la.stream().noneMatch(p -> p.matcher(name).find());
            long[] shape = layout.tensor(i).shape();
            m[i] = Nd4j.zeros(org.nd4j.linalg.api.buffer.DataType.FLOAT, shape);
            v[i] = Nd4j.zeros(org.nd4j.linalg.api.buffer.DataType.FLOAT, shape);
            t1[i] = Nd4j.zeros(org.nd4j.linalg.api.buffer.DataType.FLOAT, shape);
            t2[i] = Nd4j.zeros(org.nd4j.linalg.api.buffer.DataType.FLOAT, shape);
        }
    }

    /** One step in place on {@code params}; {@code grads} are read only. Returns the global gradient norm. */
    double step(NamedTensors params, NamedTensors grads) {
        // Same contract as the real optimizer: every gradient is checked (and the global norm taken) before any write.
        double sumSq = 0;
        for (int i = 0; i < layout.size(); i++) {
            double n = grads.get(i).norm2Number().doubleValue();
            if (!Double.isFinite(n)) {
                throw new IllegalArgumentException("non-finite gradient in " + layout.name(i));
            }
            sumSq += n * n;
        }
        long t = ++step;
        double b1 = config.beta1();
        double b2 = config.beta2();
        double c1 = 1.0 / (1.0 - Math.pow(b1, t));
        double c2 = 1.0 / (1.0 - Math.pow(b2, t));
        for (int i = 0; i < layout.size(); i++) {
            INDArray w = params.get(i);
            INDArray g = grads.get(i);
            INDArray mi = m[i];
            INDArray vi = v[i];
            INDArray a = t1[i];
            INDArray b = t2[i];
            mi.muli(b1);
            a.assign(g).muli(1.0 - b1);
            mi.addi(a);                                 // m = b1 m + (1-b1) g
            vi.muli(b2);
            a.assign(g).muli(g).muli(1.0 - b2);
            vi.addi(a);                                 // v = b2 v + (1-b2) g^2
            b.assign(vi).muli(c2);
            Transforms.sqrt(b, false);
            b.addi(config.epsilon());                   // sqrt(v^) + eps
            a.assign(mi).muli(c1).divi(b);              // u = m^ / (sqrt(v^) + eps)
            if (decays[i] && config.weightDecay() != 0) {
                b.assign(w).muli(config.weightDecay());
                a.addi(b);                              // u += wd w
            }
            double ratio = 1.0;
            if (adapts[i]) {
                double wn = w.norm2Number().doubleValue();
                double un = a.norm2Number().doubleValue();
                ratio = wn > 0 && un > 0 ? wn / un : 1.0;
            }
            w.subi(a.muli(lr * ratio));                 // w -= lr r u
        }
        return Math.sqrt(sumSq);
    }
}
