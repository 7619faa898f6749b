package dev.sparklamb.spark.evaluate;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.Optional;
import org.nd4j.evaluation.classification.Evaluation;

/**
 * Accuracy and mean loss over a held-out set, plus DL4J's own per-class {@link Evaluation} (confusion matrix, precision,
 * recall, F1) when the scores came from the network's outputs. (A class, not a record: it crosses Spark's Kryo serializer;
 * the DL4J evaluation travels as its Java serialization, which DL4J supports, so Kryo only ever sees a byte array.)
 */
public final class EvaluationScore implements Serializable {

    private static final long serialVersionUID = 2L;

    private final long examples;
    private final long correct;
    private final double lossSum;
    /** Java serialization of a DL4J {@link Evaluation}, or null when there is none (no examples scored). */
    private final byte[] classification;

    public EvaluationScore(long examples, long correct, double lossSum) {
        this(examples, correct, lossSum, null);
    }

    public EvaluationScore(long examples, long correct, double lossSum, Evaluation classification) {
        this.examples = examples;
        this.correct = correct;
        this.lossSum = lossSum;
        this.classification = classification == null ? null : serialize(classification);
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

    /** A fresh copy of DL4J's evaluation over all scored examples, if any were scored from network outputs. */
    public Optional<Evaluation> classification() {
        return classification == null ? Optional.empty() : Optional.of(deserialize(classification));
    }

    /** The sum of both scores; the DL4J evaluations are combined with {@link Evaluation#merge(Evaluation)}. */
    EvaluationScore plus(EvaluationScore o) {
        Evaluation merged;
        if (classification == null || o.classification == null) {
            merged = (classification == null ? o : this).classification().orElse(null);
        } else {
            merged = deserialize(classification);
            merged.merge(deserialize(o.classification));
        }
        return new EvaluationScore(examples + o.examples, correct + o.correct, lossSum + o.lossSum, merged);
    }

    private static byte[] serialize(Evaluation e) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(e);
        } catch (IOException ex) {
            throw new UncheckedIOException("serializing a DL4J Evaluation", ex);
        }
        return bytes.toByteArray();
    }

    private static Evaluation deserialize(byte[] bytes) {
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes))) {
            return (Evaluation) in.readObject();
        } catch (IOException ex) {
            throw new UncheckedIOException("reading back a DL4J Evaluation", ex);
        } catch (ClassNotFoundException ex) {
            throw new IllegalStateException("reading back a DL4J Evaluation", ex);
        }
    }

    @Override
    public String toString() {
        return String.format("EvaluationScore[%d examples, accuracy %.4f, loss %.4f]", examples, accuracy(), meanLoss());
    }
}
