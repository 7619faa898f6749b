package dev.sparklamb.spark.ml;

import dev.sparklamb.spark.model.ModelSpec;
import dev.sparklamb.spark.model.ReplicaPool;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.linalg.DenseVector;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.expressions.JoinedRow;
import org.apache.spark.sql.types.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Scores a partition's rows on the executor: rows are read in micro-batches of at most {@code microBatch}, each batch goes
 * through a resident replica ({@link ReplicaPool}) holding the broadcast parameters, and every row comes out with the
 * chosen output columns appended (raw prediction: the network's output; probability: it normalised to sum 1;
 * prediction: the class with the largest probability, or probability/threshold with thresholds). Rows keep their order.
 * It works on Spark's internal rows: features are read straight from the binary row (no boxing), and the input columns
 * pass through without being converted to Java objects and back.
 */
final class BatchScorer implements FlatMapFunction<Iterator<InternalRow>, InternalRow>, Serializable {

    private static final long serialVersionUID = 1L;
    private static final VectorUDT VECTORS = new VectorUDT();

    private final ModelSpec spec;
    private final Broadcast<float[]> parameters;
    private final long version;
    private final int featuresIndex;
    private final DataType featuresType;
    private final String featuresColumn;
    private final int featureCount;
    private final int microBatch;
    private final boolean raw;
    private final boolean probability;
    private final boolean prediction;
    private final double[] thresholds;

    BatchScorer(ModelSpec spec, Broadcast<float[]> parameters, long version, int featuresIndex, DataType featuresType, String featuresColumn,
                int featureCount, int microBatch, boolean raw, boolean probability, boolean prediction, double[] thresholds) {
        this.spec = spec;
        this.parameters = parameters;
        this.version = version;
        this.featuresIndex = featuresIndex;
        this.featuresType = featuresType;
        this.featuresColumn = featuresColumn;
        this.featureCount = featureCount;
        this.microBatch = microBatch;
        this.raw = raw;
        this.probability = probability;
        this.prediction = prediction;
        this.thresholds = thresholds;
    }

    @Override
    public Iterator<InternalRow> call(Iterator<InternalRow> rows) {
        return new Iterator<>() {
            private List<InternalRow> scored = List.of();
            private int next;

            @Override
            public boolean hasNext() {
                if (next < scored.size()) {
                    return true;
                }
                if (!rows.hasNext()) {
                    return false;
                }
                scored = scoreNext(rows);
                next = 0;
                return true;
            }

            @Override
            public InternalRow next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return scored.get(next++);
            }
        };
    }

    private List<InternalRow> scoreNext(Iterator<InternalRow> rows) {
        List<InternalRow> batch = new ArrayList<>(microBatch);
        while (batch.size() < microBatch && rows.hasNext()) {
            batch.add(rows.next().copy()); // the source may reuse its row object
        }
        float[] x = new float[batch.size() * featureCount];
        for (int i = 0; i < batch.size(); i++) {
            Columns.features(batch.get(i), featuresIndex, featuresType, featuresColumn, x, i * featureCount, featureCount);
        }
        INDArray input = Nd4j.createFromArray(x).reshape(batch.size(), featureCount);
        float[][] outputs = ReplicaPool.withReplica(spec, r -> {
            r.setParameters(parameters.value(), version);
            return r.output(input).toFloatMatrix();
        });
        List<InternalRow> out = new ArrayList<>(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            out.add(append(batch.get(i), outputs[i]));
        }
        return out;
    }

    private InternalRow append(InternalRow row, float[] output) {
        Object[] values = new Object[(raw ? 1 : 0) + (probability ? 1 : 0) + (prediction ? 1 : 0)];
        double[] rawValues = new double[output.length];
        for (int c = 0; c < output.length; c++) {
            rawValues[c] = output[c];
        }
        double[] p = probabilities(rawValues);
        int k = 0;
        if (raw) {
            values[k++] = VECTORS.serialize(new DenseVector(rawValues));
        }
        if (probability) {
            values[k++] = VECTORS.serialize(new DenseVector(p));
        }
        if (prediction) {
            values[k] = (double) predict(p, thresholds);
        }
        return new JoinedRow(row, new GenericInternalRow(values));
    }

    /** The raw output scaled to sum 1 (the identity, up to rounding, for a softmax output layer). */
    static double[] probabilities(double[] raw) {
        double sum = 0;
        for (double v : raw) {
            sum += v;
        }
        double[] p = raw.clone();
        if (sum > 0) {
            for (int c = 0; c < p.length; c++) {
                p[c] /= sum;
            }
        }
        return p;
    }

    /** Spark's rule: the class with the largest probability, or with the largest probability/threshold (a 0 threshold wins). */
    static int predict(double[] p, double[] thresholds) {
        int best = 0;
        double bestValue = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < p.length; c++) {
            double v = thresholds == null ? p[c] : thresholds[c] == 0 ? Double.POSITIVE_INFINITY : p[c] / thresholds[c];
            if (v > bestValue) {
                best = c;
                bestValue = v;
            }
        }
        return best;
    }
}
