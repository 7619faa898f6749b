package dev.sparklamb.spark.evaluate;

import dev.sparklamb.spark.data.CachedExamples;
import dev.sparklamb.spark.data.ExampleBlock;
import dev.sparklamb.spark.gradient.PartitionGradient;
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
        List<Tuple2<Integer, EvaluationScore>> parts = data.blocks().mapPartitionsWithIndex((index, blocks) -> {
            EvaluationScore e = new EvaluationScore(0, 0, 0);
            while (blocks.hasNext()) {
                ExampleBlock block = blocks.next();
                e = e.plus(ReplicaPool.withReplica(spec, r -> score(r, block, parameters.value(), version, microBatch, classes)));
            }
            return List.of(new Tuple2<>(index, e)).iterator();
        }, true).collect();
        return parts.stream().sorted(Comparator.comparingInt(Tuple2::_1)).map(Tuple2::_2)
                .reduce(new EvaluationScore(0, 0, 0), EvaluationScore::plus);
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
