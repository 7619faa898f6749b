package dev.sparklamb.spark.bench;

import dev.sparklamb.spark.config.BertSettings;
import dev.sparklamb.spark.model.transformer.BertNetwork;
import java.util.Arrays;
import java.util.Random;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Single-process forward+backward time ({@code ComputationGraph.computeGradientAndScore} with a feature mask and a
 * label mask) of the {@code bert-mini} preset at its default sizes ({@link BertSettings#DEFAULT}, dropout off) per 1,000
 * tokens, for micro-batches of 16 and 32 sequences at lengths 64 and 128: random token ids, every position real, 15% of
 * positions in the label mask. Not a test (no timing assertions); see docs/benchmarks.md for the command and results.
 *
 * <p>Arguments: {@code [VOCABULARY [WARMUP TIMED]]} (default 8192, 2, 5). Set {@code OMP_NUM_THREADS} for the thread
 * count ND4J uses.
 */
public final class BertMiniThroughput {

    private BertMiniThroughput() {
    }

    public static void main(String[] args) {
        int vocabulary = args.length > 0 ? Integer.parseInt(args[0]) : 8192;
        int warmup = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        int timed = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        BertSettings d = BertSettings.DEFAULT;
        BertSettings s = new BertSettings(d.hidden(), d.layers(), d.heads(), d.feedForward(), d.maxLength(), 0.0);
        ComputationGraph g = new ComputationGraph(BertNetwork.build(s, vocabulary, 1));
        g.init();
        System.out.printf("bert-mini %s, vocabulary %d, %d parameters, OMP_NUM_THREADS=%s, %d warm-up + %d timed%n", s, vocabulary,
                g.numParams(), System.getenv("OMP_NUM_THREADS"), warmup, timed);
        Random r = new Random(1);
        for (int length : new int[] {64, 128}) {
            for (int batch : new int[] {16, 32}) {
                INDArray x = Nd4j.zeros(DataType.FLOAT, batch, length);
                INDArray y = Nd4j.zeros(DataType.FLOAT, batch, vocabulary, length);
                INDArray labelMask = Nd4j.zeros(DataType.FLOAT, batch, length);
                for (int i = 0; i < batch; i++) {
                    for (int t = 0; t < length; t++) {
                        int token = r.nextInt(vocabulary);
                        x.putScalar(i, t, token);
                        y.putScalar(new int[] {i, token, t}, 1);
                        if (r.nextDouble() < 0.15) {
                            labelMask.putScalar(i, t, 1);
                        }
                    }
                }
                g.setInputs(x);
                g.setLabels(y);
                g.setLayerMaskArrays(new INDArray[] {Nd4j.ones(DataType.FLOAT, batch, length)}, new INDArray[] {labelMask});
                for (int i = 0; i < warmup; i++) {
                    g.computeGradientAndScore();
                }
                double[] ms = new double[timed];
                for (int i = 0; i < timed; i++) {
                    long t0 = System.nanoTime();
                    g.computeGradientAndScore();
                    ms[i] = (System.nanoTime() - t0) / 1e6;
                }
                g.clearLayerMaskArrays();
                Arrays.sort(ms);
                double median = ms[timed / 2];
                double perK = median / (batch * length / 1000.0);
                System.out.printf("micro-batch %2d x length %3d (%5d tokens): %7.1f ms per batch (min %.1f, max %.1f), %6.1f ms per 1K tokens, "
                        + "%5.0f tokens/s%n", batch, length, batch * length, median, ms[0], ms[timed - 1], perK, 1e6 / perK);
            }
        }
    }
}
