package dev.sparklamb.spark.evaluate;

import dev.sparklamb.spark.data.CachedExamples;
import dev.sparklamb.spark.data.ExampleBlock;
import dev.sparklamb.spark.gradient.PartitionGradient;
import dev.sparklamb.spark.gradient.SequenceBatch;
import dev.sparklamb.spark.gradient.TokenMasking;
import org.nd4j.linalg.api.buffer.DataType;
import dev.sparklamb.spark.model.ModelSpec;
import dev.sparklamb.spark.model.Replica;
import dev.sparklamb.spark.model.ReplicaPool;
import java.util.Comparator;
import java.util.List;
import org.apache.spark.broadcast.Broadcast;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.api.ndarray.INDArray;
import scala.Tuple2;

/**
 * Distributed accuracy, loss and DL4J's per-class {@link Evaluation}: each partition scores its cached examples on its
 * resident replica, building one {@code Evaluation} from the network's outputs and the labels; the driver merges them.
 */
public final class Evaluator {

    private Evaluator() {
    }

    public static EvaluationScore evaluate(CachedExamples data, ModelSpec spec, Broadcast<float[]> parameters, long version,
                                      int microBatch, int classes) {
        return evaluate(data, spec, parameters, version, microBatch, classes, null);
    }

    /**
     * As above; token data is scored by {@link #scoreTokens} with {@code masking}'s fixed held-out draw: the score's
     * examples are then the masked tokens, its accuracy the masked-token accuracy and its mean loss the loss per token.
     */
    public static EvaluationScore evaluate(CachedExamples data, ModelSpec spec, Broadcast<float[]> parameters, long version,
                                      int microBatch, int classes, TokenMasking masking) {
        List<Tuple2<Integer, EvaluationScore>> parts = data.blocks().mapPartitionsWithIndex((index, blocks) -> {
            EvaluationScore e = new EvaluationScore(0, 0, 0);
            while (blocks.hasNext()) {
                ExampleBlock block = blocks.next();
                e = e.plus(ReplicaPool.withReplica(spec, r -> block.isTokens()
                        ? scoreTokens(r, block, parameters.value(), version, microBatch, masking)
                        : score(r, block, parameters.value(), version, microBatch, classes)));
            }
            return List.of(new Tuple2<>(index, e)).iterator();
        }, true).collect();
        return parts.stream().sorted(Comparator.comparingInt(Tuple2::_1)).map(Tuple2::_2)
                .reduce(new EvaluationScore(0, 0, 0), EvaluationScore::plus);
    }

    /**
     * Masked-token accuracy and cross-entropy of a token block: every sequence masked with the held-out key
     * ({@link TokenMasking#HELD_OUT}: by seed and example id only, the same in every evaluation), the network's output
     * probabilities at the chosen positions against the original tokens: correct when the most probable token is the
     * original one, loss {@code -ln max(p, 1e-10)} of the original token (the clipping of DL4J's MCXENT with softmax).
     */
    public static EvaluationScore scoreTokens(Replica replica, ExampleBlock block, float[] parameters, long version, int microBatch,
                                              TokenMasking masking) {
        replica.setParameters(parameters, version);
        int[] rows = new int[block.size()];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = i;
        }
        int length = block.featureCount();
        int vocabulary = masking.vocabulary();
        long tokens = 0;
        long correct = 0;
        double loss = 0;
        for (int from = 0; from < rows.length; from += microBatch) {
            int count = Math.min(microBatch, rows.length - from);
            SequenceBatch b = SequenceBatch.of(block, rows, from, count, masking, TokenMasking.HELD_OUT);
            float[] out = replica.output(b.features(), b.featureMask()).castTo(DataType.FLOAT).dup('c').data().asFloat(); // [mb, V, L]
            float[] labelMask = b.labelMask().dup('c').data().asFloat();
            int[] ids = new int[length];
            for (int i = 0; i < count; i++) {
                int row = rows[from + i];
                block.tokenRow(row, ids);
                for (int p = 0; p < length; p++) {
                    if (labelMask[i * length + p] == 0f) {
                        continue;
                    }
                    int truth = ids[p];
                    int best = 0;
                    float bestP = Float.NEGATIVE_INFINITY;
                    for (int v = 0; v < vocabulary; v++) {
                        float q = out[(i * vocabulary + v) * length + p];
                        if (q > bestP) {
                            bestP = q;
                            best = v;
                        }
                    }
                    correct += best == truth ? 1 : 0;
                    loss -= Math.log(Math.max(out[(i * vocabulary + truth) * length + p], 1e-10));
                    tokens++;
                }
            }
        }
        return new EvaluationScore(tokens, correct, loss);
    }

    /** Scores every example of {@code block}, in row order. */
    public static EvaluationScore score(Replica replica, ExampleBlock block, float[] parameters, long version, int microBatch, int classes) {
        replica.setParameters(parameters, version);
        int[] rows = new int[block.size()];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = i;
        }
        long correct = 0;
        double loss = 0;
        Evaluation classification = new Evaluation(classes);
        for (int from = 0; from < rows.length; from += microBatch) {
            int count = Math.min(microBatch, rows.length - from);
            INDArray[] batch = PartitionGradient.batch(block, rows, from, count, classes);
            INDArray output = replica.output(batch[0]);
            classification.eval(batch[1], output);
            INDArray predicted = output.argMax(1);
            for (int i = 0; i < count; i++) {
                if (predicted.getInt(i) == block.label(rows[from + i])) {
                    correct++;
                }
            }
            loss += replica.meanLoss(batch[0], batch[1]) * count;
        }
        return new EvaluationScore(rows.length, correct, loss, rows.length == 0 ? null : classification);
    }
}
