package dev.sparklamb.spark.evaluate;

import dev.sparklamb.spark.data.CachedExamples;
import dev.sparklamb.spark.data.ExampleBlock;
import dev.sparklamb.spark.gradient.PartitionGradient;
import dev.sparklamb.spark.model.ModelSpec;
import dev.sparklamb.spark.model.Replica;
import dev.sparklamb.spark.model.ReplicaPool;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Distributed prediction: each partition runs its cached examples through its executor-resident replica (parameters
 * from one broadcast) and yields one row per example: its id, the most probable class and the class probabilities.
 */
public final class Predictor {

    /** {@code id} (the reader's example id), {@code prediction} (argmax), {@code probabilities} (the network's output). */
    public static final StructType SCHEMA = new StructType()
            .add("id", DataTypes.LongType, false)
            .add("prediction", DataTypes.IntegerType, false)
            .add("probabilities", DataTypes.createArrayType(DataTypes.FloatType, false), false);

    private Predictor() {
    }

    /** One row per example of {@code data}, in {@link #SCHEMA}; lazy (computed when the rows are written). */
    public static JavaRDD<Row> predict(CachedExamples data, ModelSpec spec, Broadcast<float[]> parameters, long version,
                                       int microBatch, int classes) {
        return data.blocks().mapPartitions(blocks -> {
            List<Row> rows = new ArrayList<>();
            while (blocks.hasNext()) {
                ExampleBlock block = blocks.next();
                rows.addAll(ReplicaPool.withReplica(spec, r -> predict(r, block, parameters.value(), version, microBatch, classes)));
            }
            return rows.iterator();
        }, true);
    }

    /** The rows of every example of {@code block}, in row order, computed in micro-batches of at most {@code microBatch}. */
    public static List<Row> predict(Replica replica, ExampleBlock block, float[] parameters, long version, int microBatch, int classes) {
        replica.setParameters(parameters, version);
        int[] rows = new int[block.size()];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = i;
        }
        List<Row> result = new ArrayList<>(rows.length);
        for (int from = 0; from < rows.length; from += microBatch) {
            int count = Math.min(microBatch, rows.length - from);
            INDArray[] batch = PartitionGradient.batch(block, rows, from, count, classes);
            INDArray output = replica.output(batch[0]);
            for (int i = 0; i < count; i++) {
                float[] p = output.getRow(i).toFloatVector();
                int best = 0;
                for (int c = 1; c < p.length; c++) {
                    if (p[c] > p[best]) {
                        best = c;
                    }
                }
                result.add(RowFactory.create(block.id(rows[from + i]), best, p));
            }
        }
        return result;
    }
}
