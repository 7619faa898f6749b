package dev.sparklamb.spark.data;

import dev.sparklamb.spark.config.DataCache;
import dev.sparklamb.spark.config.DataFormat;
import dev.sparklamb.spark.config.DataSettings;
import dev.sparklamb.spark.config.TokenSettings;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import scala.Tuple2;

/**
 * Caches an RDD of ND4J minibatches (DL4J's {@code DataSet}s, or anything an {@link Unpacker} turns into one
 * features array and one labels array) as {@link CachedExamples}: features flattened per example, integer labels
 * from one-hot label rows.
 *
 * <p>Example ids follow the RDD's own order: partition by partition, minibatch by minibatch within a partition, row
 * by row within a minibatch; the first example of the first non-empty partition is id 0. The same RDD therefore gives
 * the same ids, epoch orders and results every time, and the same examples in the same order as a DataFrame given to
 * {@code SparkTrainer.fit(Dataset, Dataset)} get the same ids. (An RDD whose order is not deterministic, such as one
 * straight out of {@code repartition()}, gets a valid but possibly different order on each fit.)
 *
 * <p>Every example is checked before anything is cached; the first unusable one fails the whole call with a
 * {@link DataException} naming its partition, minibatch and row.
 */
public final class MinibatchExamples {

    /** Label values shown in a "not one-hot" message. */
    private static final int SHOWN_VALUES = 12;

    private MinibatchExamples() {
    }

    /** A minibatch's features and labels with their masks (null: none), or why it cannot be used. */
    public record Minibatch(INDArray features, INDArray labels, INDArray featuresMask, INDArray labelsMask, String problem) {

        public static Minibatch of(INDArray features, INDArray labels) {
            return of(features, labels, null, null);
        }

        /** With DL4J's features and labels masks (either may be null); only sequence minibatches may have them. */
        public static Minibatch of(INDArray features, INDArray labels, INDArray featuresMask, INDArray labelsMask) {
            return new Minibatch(features, labels, featuresMask, labelsMask, null);
        }

        public static Minibatch unusable(String problem) {
            return new Minibatch(null, null, null, null, problem);
        }
    }

    /** Turns one RDD element into a {@link Minibatch}; runs on the executors. */
    @FunctionalInterface
    public interface Unpacker<T> extends Serializable {
        Minibatch unpack(T element);
    }

    /**
     * Features per example (per time step, for sequences) and number of classes (label columns), and the number of time
     * steps L of sequence minibatches (features {@code [examples, features, L]}, labels {@code [examples, classes, L]}), or 0.
     */
    public record Shape(int features, int classes, int length) implements Serializable {

        public Shape(int features, int classes) {
            this(features, classes, 0);
        }

        public boolean isSequences() {
            return length > 0;
        }
    }

    /**
     * The shape of the first minibatch, which every other minibatch must share.
     *
     * @param what names the data in messages, e.g. "training data (JavaRDD&lt;DataSet&gt;)"
     */
    public static <T> Shape shapeOfFirst(JavaRDD<T> rdd, Unpacker<T> unpacker, String what) {
        List<Tuple2<Integer, T>> first = rdd.mapPartitionsWithIndex((partition, elements) -> elements.hasNext()
                ? List.of(new Tuple2<>(partition, elements.next())).iterator()
                : java.util.Collections.<Tuple2<Integer, T>>emptyIterator(), true).take(1);
        if (first.isEmpty()) {
            throw new DataException(what + ": the RDD is empty");
        }
        String where = what + ": partition " + first.get(0)._1() + ", minibatch 0: ";
        Minibatch m = unpacker.unpack(first.get(0)._2());
        String problem = m.problem() != null ? m.problem() : arrayProblem(m, null);
        if (problem != null) {
            throw new DataException(where + problem);
        }
        long classes = m.labels().size(1);
        if (classes < 2) {
            throw new DataException(where + "labels have " + classes + " column; expected one-hot class labels with at least 2 columns "
                    + "(one per class)");
        }
        int length = m.labels().rank() == 3 ? Math.toIntExact(m.labels().size(2)) : 0;
        return new Shape(Math.toIntExact(m.features().size(1)), Math.toIntExact(classes), length);
    }

    /**
     * Checks and caches every example of {@code rdd}: examples are assigned to {@code partitions} partitions
     * pseudo-randomly by id with {@code seed}, exactly as {@link DatasetReader} does for files and DataFrames.
     *
     * @param partitions number of partitions (model replicas); 0 means Spark's default parallelism
     * @param cache      how the executors cache the examples ({@code disk}: classification examples only)
     */
    public static <T> CachedExamples cache(SparkSession spark, JavaRDD<T> rdd, Unpacker<T> unpacker, Shape shape, int partitions,
                                           DataCache cache, long seed, String what) {
        JavaRDD<DecodedRow> unnumbered = rdd.mapPartitionsWithIndex((partition, elements) -> {
            List<DecodedRow> rows = new ArrayList<>();
            int index = 0;
            while (elements.hasNext()) {
                decode(unpacker.unpack(elements.next()), shape, "partition " + partition + ", minibatch " + index++, what, rows);
            }
            return rows.iterator();
        }, true);
        // zipWithIndex numbers the rows in the RDD's order (partition, then position), which is the id order documented above.
        JavaRDD<DecodedRow> decoded = unnumbered.zipWithIndex().map(t -> t._1().withId(t._2()));
        // kept out of the heap when the examples are cached on disk (as DatasetReader does for files)
        decoded.persist(cache == DataCache.DISK ? StorageLevel.DISK_ONLY() : StorageLevel.MEMORY_AND_DISK());
        try {
            List<DecodedRow> bad;
            try {
                bad = decoded.filter(r -> r.problem() != null).take(1);
            } catch (RuntimeException e) { // SparkException is checked but undeclared in Scala code
                throw new DataException(what + ": could not be read: " + DatasetReader.rootMessage(e), e);
            }
            if (!bad.isEmpty()) {
                throw new DataException(what + ": " + bad.get(0).problem());
            }
            DataSettings settings = new DataSettings("", "", DataFormat.PARQUET, "features", "label", partitions, TokenSettings.DEFAULT,
                    cache);
            DatasetReader reader = shape.isSequences()
                    ? DatasetReader.forSequences(spark, settings, shape.features(), shape.length(), shape.classes(), seed)
                    : new DatasetReader(spark, settings, shape.features(), shape.classes(), seed);
            return reader.cache(decoded, what);
        } finally {
            decoded.unpersist(false);
        }
    }

    /** Appends one row per example of {@code m} to {@code out}, or a single row saying why the minibatch is unusable. */
    private static void decode(Minibatch m, Shape shape, String where, String what, List<DecodedRow> out) {
        String problem = m.problem() != null ? m.problem() : arrayProblem(m, shape);
        if (problem != null) {
            out.add(DecodedRow.bad(-1, what, where + ": " + problem));
            return;
        }
        if (shape.isSequences()) {
            SequenceMinibatches.decode(m, shape, where, what, out);
            return;
        }
        float[][] x = m.features().castTo(DataType.FLOAT).toFloatMatrix();
        double[][] y = m.labels().castTo(DataType.DOUBLE).toDoubleMatrix();
        for (int r = 0; r < x.length; r++) {
            String rowProblem = rowProblem(x[r], y[r]);
            if (rowProblem != null) {
                out.add(DecodedRow.bad(-1, what, where + ", example " + r + " (0-based, in the minibatch): " + rowProblem));
                return;
            }
            out.add(new DecodedRow(-1, x[r], classOf(y[r]), what, null));
        }
    }

    /** What is wrong with the arrays' ranks and shapes (against {@code shape}, when given), or null. */
    private static String arrayProblem(Minibatch m, Shape shape) {
        INDArray f = m.features();
        INDArray l = m.labels();
        if (f == null || l == null) {
            return "has no " + (f == null ? "features" : "labels") + " array";
        }
        if (f.rank() == 3 || l.rank() == 3) {
            return SequenceMinibatches.arrayProblem(m, shape);
        }
        if (m.featuresMask() != null || m.labelsMask() != null) {
            return "has a " + (m.featuresMask() != null ? "features" : "labels") + " mask; LambTrainingMaster takes masks only with "
                    + "sequence minibatches (features [examples, size, L], one-hot labels [examples, classes, L], masks [examples, L])";
        }
        if (f.rank() != 2) {
            return "features have rank " + f.rank() + " (shape " + Arrays.toString(f.shape()) + "); expected a rank-2 array "
                    + "[examples, features] (flatten images and configure the network with InputType.convolutionalFlat)";
        }
        if (l.rank() != 2) {
            return "labels have rank " + l.rank() + " (shape " + Arrays.toString(l.shape()) + "); expected a rank-2 one-hot array "
                    + "[examples, classes] (or, for sequences, rank-3 features and labels; per-pixel labels are not supported)";
        }
        if (f.size(0) != l.size(0)) {
            return "features have " + f.size(0) + " rows but labels have " + l.size(0);
        }
        if (!f.dataType().isFPType() || !l.dataType().isFPType()) {
            return "features are " + f.dataType() + " and labels " + l.dataType() + "; expected floating-point arrays";
        }
        if (shape != null && shape.isSequences()) {
            return "has rank-2 features and labels; the first minibatch is a sequence minibatch (rank 3): all minibatches must be of "
                    + "one kind";
        }
        if (shape != null && f.size(1) != shape.features()) {
            return "has " + f.size(1) + " features per example; the first minibatch has " + shape.features();
        }
        if (shape != null && l.size(1) != shape.classes()) {
            return "labels have " + l.size(1) + " columns; the first minibatch's have " + shape.classes();
        }
        return null;
    }

    /** Non-finite features or a label row that is not one-hot, or null. */
    private static String rowProblem(float[] x, double[] y) {
        for (int j = 0; j < x.length; j++) {
            if (!Float.isFinite(x[j])) {
                return "feature " + j + " is " + x[j] + "; features must be finite";
            }
        }
        return labelProblem(y, "label row ");
    }

    /** Why {@code y} is not one-hot ({@code label} names it, e.g. "label row "), or null. */
    static String labelProblem(double[] y, String label) {
        int ones = 0;
        boolean others = false;
        for (double v : y) {
            if (v == 1.0) {
                ones++;
            } else if (v != 0.0) {
                others = true;
            }
        }
        if (ones != 1 || others) {
            double[] shown = Arrays.copyOf(y, Math.min(y.length, SHOWN_VALUES));
            return label + Arrays.toString(shown).replace("]", y.length > SHOWN_VALUES ? ", ...]" : "]")
                    + " is not one-hot; expected exactly one 1 and zeros elsewhere (class labels)";
        }
        return null;
    }

    static int classOf(double[] oneHot) {
        for (int c = 0; c < oneHot.length; c++) {
            if (oneHot[c] == 1.0) {
                return c;
            }
        }
        throw new IllegalStateException("not one-hot"); // rowProblem() has checked
    }
}
