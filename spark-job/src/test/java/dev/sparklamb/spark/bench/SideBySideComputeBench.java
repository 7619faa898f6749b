package dev.sparklamb.spark.bench;

import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * The weak-scaling bench's forward/backward pass (the {@code mlp} preset's 784-512-256-10 network, 1,024 examples as two
 * micro-batches of 512) in one thread alone, then in two threads of one JVM at once, each with its own network: whether
 * the machine runs two such passes side by side as fast as one, without Spark and without a second JVM.
 * {@code bench/side-by-side.sh [ROUNDS [REPEATS]]}; docs/benchmarks.md, "Weak scaling".
 */
public final class SideBySideComputeBench {

    private SideBySideComputeBench() {
    }

    static MultiLayerNetwork network() {
        MultiLayerConfiguration c = new NeuralNetConfiguration.Builder().seed(1).dataType(DataType.FLOAT).weightInit(WeightInit.XAVIER).list()
                .layer(new DenseLayer.Builder().nIn(784).nOut(512).activation(Activation.RELU).build())
                .layer(new DenseLayer.Builder().nIn(512).nOut(256).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(256).nOut(10).activation(Activation.SOFTMAX).build())
                .build();
        MultiLayerNetwork n = new MultiLayerNetwork(c);
        n.init();
        return n;
    }

    /** Mean ms of one 1,024-example gradient (two passes of 512) over {@code repeats}. */
    static long pass(MultiLayerNetwork n, int repeats) {
        INDArray x = Nd4j.rand(DataType.FLOAT, 512, 784);
        INDArray y = Nd4j.zeros(DataType.FLOAT, 512, 10);
        y.getColumn(3).assign(1);
        long t0 = System.nanoTime();
        for (int r = 0; r < repeats; r++) {
            for (int micro = 0; micro < 2; micro++) {
                n.setInput(x);
                n.setLabels(y);
                n.computeGradientAndScore();
            }
        }
        return (System.nanoTime() - t0) / 1_000_000 / repeats;
    }

    public static void main(String[] args) throws InterruptedException {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        int repeats = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        System.out.printf("OMP_NUM_THREADS=%s, load average %s%n", System.getenv("OMP_NUM_THREADS"),
                new String(readLoad()).trim());
        MultiLayerNetwork first = network();
        MultiLayerNetwork second = network();
        pass(first, 5);
        pass(second, 5);
        for (int round = 1; round <= rounds; round++) {
            long alone = pass(first, repeats);
            long[] both = new long[2];
            Thread a = new Thread(() -> both[0] = pass(first, repeats));
            Thread b = new Thread(() -> both[1] = pass(second, repeats));
            a.start();
            b.start();
            a.join();
            b.join();
            System.out.printf("round %d: 1,024 examples forward+backward alone %d ms; two threads at once %d / %d ms; slower / alone = %.2f%n",
                    round, alone, both[0], both[1], (double) Math.max(both[0], both[1]) / alone);
        }
    }

    private static byte[] readLoad() {
        try {
            return java.nio.file.Files.readAllBytes(java.nio.file.Path.of("/proc/loadavg"));
        } catch (java.io.IOException e) {
            return "unknown".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        }
    }
}
