package dev.sparklamb.spark.ml;

import dev.sparklamb.spark.model.ModelSpec;
import dev.sparklamb.spark.model.ReplicaPool;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.linalg.DenseVector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Scores a partition's rows on the executor: rows are read in micro-batches of at most {@code microBatch}, each batch goes
 * through a resident replica ({@link ReplicaPool}) holding the broadcast parameters, and every row comes out with the
 * chosen output columns appended (raw prediction: the network's output; probability: it normalised to sum 1;
 * prediction: the class with the largest probability, or probability/threshold with thresholds). Rows keep their order.
 */
final class BatchScorer implements MapPartitionsFunction<Row, Row>, Serializable {

    private static final long serialVersionUID = 1L;

    private final ModelSpec spec;
    private final Broadcast<float[]> parameters;
    private final long version;
    private final int featuresIndex;
    private final String featuresColumn;
    private final int featureCount;
    private final int microBatch;
    private final boolean raw;
    private final boolean probability;
    private final boolean prediction;
    private final double[] thresholds;

    BatchScorer(ModelSpec spec, Broadcast<float[]> parameters, long version, int featuresIndex, String featuresColumn,
                int featureCount, int microBatch, boolean raw, boolean probability, boolean prediction, double[] thresholds) {
        this.spec = spec;
        this.parameters = parameters;
        this.version = version;
        this.featuresIndex = featuresIndex;
        this.featuresColumn = featuresColumn;
        this.featureCount = featureCount;
        this.microBatch = microBatch;
        this.raw = raw;
        this.probability = probability;
        this.prediction = prediction;
        this.thresholds = thresholds;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
        return new Iterator<>() {
            private List<Row> scored = List.of();
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
            public Row next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return scored.get(next++);
            }
        };
    }

    private List<Row> scoreNext(Iterator<Row> rows) {
        List<Row> batch = new ArrayList<>(microBatch);
        while (batch.size() < microBatch && rows.hasNext()) {
            batch.add(rows.next());
        }
        float[] x = new float[batch.size() * featureCount];
        for (int i = 0; i < batch.size(); i++) {
            Columns.features(batch.get(i), featuresIndex, featuresColumn, x, i * featureCount, featureCount);
        }
        INDArray input = Nd4j.createFromArray(x).reshape(batch.size(), featureCount);
        float[][] outputs = ReplicaPool.withReplica(spec, r -> {
            r.setParameters(parameters.value(), version);
            return r.output(input).toFloatMatrix();
        });
        List<Row> out = new ArrayList<>(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            out.add(append(batch.get(i), outputs[i]));
        }
        return out;
    }

    private Row append(Row row, float[] output) {
        int n = row.length();
        Object[] values = new Object[n + (raw ? 1 : 0) + (probability ? 1 : 0) + (prediction ? 1 : 0)];
        for (int i = 0; i < n; i++) {
            values[i] = row.get(i);
        }
        double[] rawValues = new double[output.length];
        for (int c = 0; c < output.length; c++) {
            rawValues[c] = output[c];
        }
        double[] p = probabilities(rawValues);
        int k = n;
        if (raw) {
            values[k++] = Vectors.dense(rawValues);
        }
        if (probability) {
            values[k++] = new DenseVector(p);
        }
        if (prediction) {
            values[k] = (double) predict(p, thresholds);
        }
        return RowFactory.create(values);
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
