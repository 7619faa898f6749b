package dev.sparklamb.spark.evaluate;

import java.io.Serializable;

/** Accuracy and mean loss over a held-out set. (A class, not a record: it crosses Spark's Kryo serializer.) */
public final class EvaluationScore implements Serializable {

    private static final long serialVersionUID = 1L;

    private final long examples;
    private final long correct;
    private final double lossSum;

    public EvaluationScore(long examples, long correct, double lossSum) {
        this.examples = examples;
        this.correct = correct;
        this.lossSum = lossSum;
    }

    public long examples() {
        return examples;
    }

    public long correct() {
        return correct;
    }

    public double lossSum() {
        return lossSum;
    }

    public double accuracy() {
        return examples == 0 ? Double.NaN : (double) correct / examples;
    }

    public double meanLoss() {
        return examples == 0 ? Double.NaN : lossSum / examples;
    }

    EvaluationScore plus(EvaluationScore o) {
        return new EvaluationScore(examples + o.examples, correct + o.correct, lossSum + o.lossSum);
    }

    @Override
    public String toString() {
        return String.format("EvaluationScore[%d examples, accuracy %.4f, loss %.4f]", examples, accuracy(), meanLoss());
    }
}
