package dev.sparklamb.spark.data;

import dev.sparklamb.spark.data.MinibatchExamples.Minibatch;
import dev.sparklamb.spark.data.MinibatchExamples.Shape;
import java.util.Arrays;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Sequence minibatches of DL4J's drop-in, as {@link MinibatchExamples} checks and decodes them: features
 * {@code [examples, size, L]} (NCW: token ids as floats of size 1 for an {@code EmbeddingSequenceLayer}, or real-valued
 * per-step features), one-hot labels {@code [examples, classes, L]}, and optionally a features mask and a labels mask
 * {@code [examples, L]} of zeros and ones (any pattern, not only prefixes).
 *
 * <p>As in DL4J, only the labels mask decides which steps count in the loss (DL4J 1.0.0-M2's output layers score with
 * the labels mask alone; the features mask reaches them but is not used in the loss): without a labels mask every step
 * counts. The labels of a step whose labels mask is 0 are not used, so they are neither checked nor kept.
 */
final class SequenceMinibatches {

    private static final String LAYOUT = "sequence minibatches need features [examples, size, L] (token ids for an "
            + "EmbeddingSequenceLayer: [examples, 1, L]), one-hot labels [examples, classes, L] and masks [examples, L]";

    private SequenceMinibatches() {
    }

    /** What is wrong with a sequence minibatch's arrays (against {@code shape}, the first minibatch's, when given), or null. */
    static String arrayProblem(Minibatch m, Shape shape) {
        INDArray f = m.features();
        INDArray l = m.labels();
        if (f.rank() != 3) {
            return "labels have rank 3 (shape " + Arrays.toString(l.shape()) + ") but features have rank " + f.rank() + " (shape "
                    + Arrays.toString(f.shape()) + "); " + LAYOUT;
        }
        if (l.rank() != 3) {
            return "features have rank 3 (shape " + Arrays.toString(f.shape()) + ") but labels have rank " + l.rank() + " (shape "
                    + Arrays.toString(l.shape()) + "); one label per sequence is not supported: " + LAYOUT;
        }
        if (f.size(0) != l.size(0) || f.size(2) != l.size(2)) {
            return "features have shape " + Arrays.toString(f.shape()) + " but labels " + Arrays.toString(l.shape())
                    + "; expected the same number of examples and time steps L";
        }
        if (!f.dataType().isFPType() || !l.dataType().isFPType()) {
            return "features are " + f.dataType() + " and labels " + l.dataType() + "; expected floating-point arrays";
        }
        String mask = maskProblem("features", m.featuresMask(), f);
        if (mask == null) {
            mask = maskProblem("labels", m.labelsMask(), f);
        }
        if (mask != null) {
            return mask;
        }
        if (shape == null) {
            return null;
        }
        if (!shape.isSequences()) {
            return "is a sequence minibatch (features " + Arrays.toString(f.shape()) + "); the first minibatch has rank-2 features and "
                    + "labels: all minibatches must be of one kind";
        }
        if (f.size(1) != shape.features() || l.size(1) != shape.classes() || l.size(2) != shape.length()) {
            return "features have shape " + Arrays.toString(f.shape()) + " and labels " + Arrays.toString(l.shape())
                    + "; the first minibatch's are [examples, " + shape.features() + ", " + shape.length() + "] and [examples, "
                    + shape.classes() + ", " + shape.length() + "]";
        }
        return null;
    }

    /** A mask's shape, type and values ({@code [examples, L]} of 0 and 1), or null when it is fine or absent. */
    private static String maskProblem(String name, INDArray mask, INDArray features) {
        if (mask == null) {
            return null;
        }
        long[] expected = {features.size(0), features.size(2)};
        if (!Arrays.equals(mask.shape(), expected)) {
            return name + " mask has shape " + Arrays.toString(mask.shape()) + "; expected " + Arrays.toString(expected)
                    + " [examples, L], one value per example and time step" + (mask.rank() == 3 ? " (per-output masks are not supported)" : "");
        }
        if (!mask.dataType().isFPType() && !mask.dataType().isIntType() && mask.dataType() != DataType.BOOL) {
            return name + " mask is " + mask.dataType() + "; expected zeros and ones";
        }
        double[] v = values(mask);
        for (int k = 0; k < v.length; k++) {
            if (v[k] != 0.0 && v[k] != 1.0) {
                long steps = expected[1];
                return name + " mask has value " + v[k] + " at example " + k / steps + ", step " + k % steps
                        + " (0-based); expected 0 or 1";
            }
        }
        return null;
    }

    /**
     * Appends one {@link DecodedRow#sequence} per example of {@code m} (checked by {@link #arrayProblem}) to {@code out},
     * or a single bad row naming the first example with non-finite features or a counted step without one-hot labels.
     */
    static void decode(Minibatch m, Shape shape, String where, String what, List<DecodedRow> out) {
        int n = Math.toIntExact(m.features().size(0));
        int size = shape.features();
        int classes = shape.classes();
        int length = shape.length();
        float[] x = Nd4j.toFlattened('c', m.features().castTo(DataType.FLOAT)).toFloatVector();
        double[] y = values(m.labels());
        double[] fm = flatMask(m.featuresMask(), n * length);
        double[] lm = flatMask(m.labelsMask(), n * length);
        int values = size * length;
        double[] step = new double[classes];
        for (int r = 0; r < n; r++) {
            float[] features = Arrays.copyOfRange(x, r * values, (r + 1) * values);
            String problem = null;
            for (int j = 0; j < values && problem == null; j++) {
                if (!Float.isFinite(features[j])) {
                    problem = "feature " + j / length + " at step " + j % length + " is " + features[j] + "; features must be finite";
                }
            }
            int[] labels = new int[length];
            byte[] mask = new byte[length];
            for (int t = 0; t < length && problem == null; t++) {
                mask[t] = (byte) fm[r * length + t];
                labels[t] = -1;
                if (lm[r * length + t] == 0.0) {
                    continue;
                }
                for (int c = 0; c < classes; c++) {
                    step[c] = y[(r * classes + c) * length + t];
                }
                problem = MinibatchExamples.labelProblem(step, "labels at step " + t + " ");
                if (problem == null) {
                    labels[t] = MinibatchExamples.classOf(step);
                }
            }
            if (problem != null) {
                out.add(DecodedRow.bad(-1, what, where + ", example " + r + " (0-based, in the minibatch): " + problem
                        + (m.labelsMask() != null ? " (only steps whose labels mask is 1 are checked)" : "")));
                return;
            }
            out.add(DecodedRow.sequence(-1, features, labels, mask, what));
        }
    }

    /** A mask's values row-major, or all ones when there is none. */
    private static double[] flatMask(INDArray mask, int count) {
        if (mask == null) {
            double[] ones = new double[count];
            Arrays.fill(ones, 1.0);
            return ones;
        }
        return values(mask);
    }

    /** An array's values in C (row-major) order. */
    private static double[] values(INDArray a) {
        return Nd4j.toFlattened('c', a.castTo(DataType.DOUBLE)).toDoubleVector();
    }
}
