package dev.sparklamb.spark.evaluate;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.evaluation.classification.ConfusionMatrix;
import org.nd4j.evaluation.classification.Evaluation;

/**
 * Evaluation beyond accuracy, read off DL4J's merged {@link Evaluation}: per-class precision, recall, F1 and support, the
 * confusion matrix (rows = actual class, columns = predicted class) and the log loss. The log loss is the mean of the
 * loss the evaluator sums, i.e. the output layer's loss function (without regularization); for the softmax output with
 * MCXENT loss that every preset uses, that is exactly the log loss (mean negative log-probability of the true class).
 * A metric whose denominator is zero (a class never predicted, or absent from the data) is 0, as in DL4J.
 *
 * @param examples        examples scored
 * @param accuracy        fraction of examples whose most probable class is the label
 * @param logLoss         mean loss per example
 * @param perClass        one entry per class, in class order
 * @param confusionMatrix {@code confusionMatrix[actual][predicted]} = number of examples
 */
public record ClassificationReport(long examples, double accuracy, double logLoss, List<ClassMetrics> perClass,
                                   long[][] confusionMatrix) {

    /** Precision, recall, F1 and support (examples whose label is this class) of one class. */
    public record ClassMetrics(int label, double precision, double recall, double f1, long support) {
    }

    /**
     * @param classes the number of classes (the network's output width)
     * @throws IllegalArgumentException when {@code score} carries no DL4J evaluation (nothing was scored)
     */
    public static ClassificationReport of(EvaluationScore score, int classes) {
        Evaluation e = score.classification().orElseThrow(() -> new IllegalArgumentException(
                "no per-class evaluation: " + score.examples() + " examples were scored"));
        ConfusionMatrix<Integer> confusion = e.getConfusionMatrix();
        List<ClassMetrics> perClass = new ArrayList<>();
        long[][] matrix = new long[classes][classes];
        for (int c = 0; c < classes; c++) {
            perClass.add(new ClassMetrics(c, e.precision(c), e.recall(c), e.f1(c), confusion.getActualTotal(c)));
            for (int p = 0; p < classes; p++) {
                matrix[c][p] = confusion.getCount(c, p);
            }
        }
        return new ClassificationReport(score.examples(), score.accuracy(), score.meanLoss(), List.copyOf(perClass), matrix);
    }

    /** The JSON form written by {@code evaluate --report} and as {@code testMetrics} in {@code summary.json}. */
    public Map<String, Object> toJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("examples", examples);
        json.put("accuracy", accuracy);
        json.put("logLoss", logLoss);
        List<Map<String, Object>> classes = new ArrayList<>();
        for (ClassMetrics m : perClass) {
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("class", m.label());
            c.put("precision", m.precision());
            c.put("recall", m.recall());
            c.put("f1", m.f1());
            c.put("support", m.support());
            classes.add(c);
        }
        json.put("perClass", classes);
        json.put("confusionMatrix", confusionMatrix);
        return json;
    }

    /** A compact console table: one line per class, then the confusion matrix. */
    public String table() {
        StringBuilder s = new StringBuilder();
        s.append(String.format("accuracy: %.4f%nlog loss: %.4f%nexamples: %d%n", accuracy, logLoss, examples));
        s.append(String.format("%5s %9s %9s %9s %9s%n", "class", "precision", "recall", "f1", "support"));
        for (ClassMetrics m : perClass) {
            s.append(String.format("%5d %9.4f %9.4f %9.4f %9d%n", m.label(), m.precision(), m.recall(), m.f1(), m.support()));
        }
        long widest = 1;
        for (long[] row : confusionMatrix) {
            for (long v : row) {
                widest = Math.max(widest, v);
            }
        }
        int width = Math.max(String.valueOf(widest).length(), String.valueOf(confusionMatrix.length - 1).length()) + 1;
        s.append("confusion matrix (rows: actual class, columns: predicted class)").append(System.lineSeparator());
        s.append(String.format("%5s", ""));
        for (int p = 0; p < confusionMatrix.length; p++) {
            s.append(String.format("%" + width + "d", p));
        }
        s.append(System.lineSeparator());
        for (int a = 0; a < confusionMatrix.length; a++) {
            s.append(String.format("%5d", a));
            for (long v : confusionMatrix[a]) {
                s.append(String.format("%" + width + "d", v));
            }
            s.append(System.lineSeparator());
        }
        return s.toString();
    }
}
