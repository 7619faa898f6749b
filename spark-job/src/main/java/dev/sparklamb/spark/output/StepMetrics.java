package dev.sparklamb.spark.output;

import dev.sparklamb.spark.allreduce.Communication;
import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What one global step did and how long its parts took. Times are wall-clock milliseconds on the driver:
 * {@code distributeMillis} = broadcasting the parameters plus the slowest task's parameter load;
 * {@code computeMillis} = the slowest task's forward/backward; {@code allReduceMillis} = the rest of the gradient
 * job (scheduling, shuffle, summation); {@code updateMillis} = the optimizer step. A {@code skipped} step had a
 * non-finite gradient and changed nothing; its trust-ratio fields are empty.
 *
 * <p>For token data ({@code data.format = tokens}) {@code loss} is the mean over the step's masked tokens,
 * {@code testAccuracy} the held-out masked-token accuracy, {@code testLoss} the held-out loss per masked token, and
 * {@code sequence} counts the tokens (null for other data); {@link #toMap()} then adds {@code tokens},
 * {@code maskedTokens}, {@code tokensPerSecond} and {@code testPerplexity} ({@code exp(testLoss)}). In a staged run
 * ({@code training.next-stages}) {@code step} and {@code totalSteps} count across the stages, {@code epoch} is the
 * stage's own, and {@code stage} (0-based) says which stage the step belongs to (null otherwise).
 */
public record StepMetrics(
        long step,
        long totalSteps,
        int epoch,
        long examples,
        double loss,
        double learningRate,
        double gradientNorm,
        double clipScale,
        double trustRatioMin,
        String trustRatioMinTensor,
        double trustRatioMedian,
        double trustRatioMax,
        String trustRatioMaxTensor,
        double examplesPerSecond,
        double stepMillis,
        double distributeMillis,
        double computeMillis,
        double allReduceMillis,
        double updateMillis,
        boolean skipped,
        Double testAccuracy,
        Double testLoss,
        Communication communication,
        SequenceCounts sequence,
        Integer stage) implements Serializable {

    /**
     * A step's token counts (sequence data).
     *
     * @param tokens       real (not padding) input tokens of the global batch
     * @param maskedTokens the chosen (predicted) tokens: the loss's divisor
     */
    public record SequenceCounts(long tokens, long maskedTokens, double tokensPerSecond) implements Serializable {
    }

    /** A step of classification data (no token counts). */
    public StepMetrics(long step, long totalSteps, int epoch, long examples, double loss, double learningRate, double gradientNorm,
                       double clipScale, double trustRatioMin, String trustRatioMinTensor, double trustRatioMedian, double trustRatioMax,
                       String trustRatioMaxTensor, double examplesPerSecond, double stepMillis, double distributeMillis,
                       double computeMillis, double allReduceMillis, double updateMillis, boolean skipped, Double testAccuracy,
                       Double testLoss, Communication communication) {
        this(step, totalSteps, epoch, examples, loss, learningRate, gradientNorm, clipScale, trustRatioMin, trustRatioMinTensor,
                trustRatioMedian, trustRatioMax, trustRatioMaxTensor, examplesPerSecond, stepMillis, distributeMillis, computeMillis,
                allReduceMillis, updateMillis, skipped, testAccuracy, testLoss, communication, null, null);
    }

    public StepMetrics withEvaluation(double accuracy, double loss) {
        return new StepMetrics(step, totalSteps, epoch, examples, this.loss, learningRate, gradientNorm, clipScale, trustRatioMin,
                trustRatioMinTensor, trustRatioMedian, trustRatioMax, trustRatioMaxTensor, examplesPerSecond, stepMillis,
                distributeMillis, computeMillis, allReduceMillis, updateMillis, skipped, accuracy, loss, communication, sequence, stage);
    }

    /** With the step's token counts (sequence data). */
    public StepMetrics withSequence(SequenceCounts counts) {
        return new StepMetrics(step, totalSteps, epoch, examples, loss, learningRate, gradientNorm, clipScale, trustRatioMin,
                trustRatioMinTensor, trustRatioMedian, trustRatioMax, trustRatioMaxTensor, examplesPerSecond, stepMillis,
                distributeMillis, computeMillis, allReduceMillis, updateMillis, skipped, testAccuracy, testLoss, communication, counts, stage);
    }

    /**
     * The metrics of a step of stage {@code index} of a staged run ({@code training.next-stages}): its step number counted
     * across the stages (the stage's own 1-based step plus {@code offset}, the steps of the stages before) of {@code total}.
     */
    public StepMetrics atStage(int index, long offset, long total) {
        return new StepMetrics(step + offset, total, epoch, examples, loss, learningRate, gradientNorm, clipScale, trustRatioMin,
                trustRatioMinTensor, trustRatioMedian, trustRatioMax, trustRatioMaxTensor, examplesPerSecond, stepMillis,
                distributeMillis, computeMillis, allReduceMillis, updateMillis, skipped, testAccuracy, testLoss, communication, sequence,
                index);
    }

    /** Held-out perplexity, {@code exp(testLoss)}, for sequence data that was evaluated at this step; else null. */
    public Double testPerplexity() {
        return sequence == null || testLoss == null ? null : Math.exp(testLoss);
    }

    /** With the step's bytes moved, as Spark measured them (null: not measured). */
    public StepMetrics withCommunication(Communication c) {
        return new StepMetrics(step, totalSteps, epoch, examples, loss, learningRate, gradientNorm, clipScale, trustRatioMin,
                trustRatioMinTensor, trustRatioMedian, trustRatioMax, trustRatioMaxTensor, examplesPerSecond, stepMillis,
                distributeMillis, computeMillis, allReduceMillis, updateMillis, skipped, testAccuracy, testLoss, c, sequence, stage);
    }

    /** Field name to value, in declaration order; non-finite numbers become null (JSON has no NaN). */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("step", step);
        if (stage != null) {
            m.put("stage", stage);
        }
        m.put("totalSteps", totalSteps);
        m.put("epoch", epoch);
        m.put("examples", examples);
        m.put("loss", finite(loss));
        m.put("learningRate", finite(learningRate));
        m.put("gradientNorm", finite(gradientNorm));
        m.put("clipScale", finite(clipScale));
        m.put("trustRatioMin", finite(trustRatioMin));
        m.put("trustRatioMinTensor", trustRatioMinTensor);
        m.put("trustRatioMedian", finite(trustRatioMedian));
        m.put("trustRatioMax", finite(trustRatioMax));
        m.put("trustRatioMaxTensor", trustRatioMaxTensor);
        m.put("examplesPerSecond", finite(examplesPerSecond));
        if (sequence != null) {
            m.put("tokens", sequence.tokens());
            m.put("maskedTokens", sequence.maskedTokens());
            m.put("tokensPerSecond", finite(sequence.tokensPerSecond()));
        }
        m.put("stepMillis", finite(stepMillis));
        m.put("distributeMillis", finite(distributeMillis));
        m.put("computeMillis", finite(computeMillis));
        m.put("allReduceMillis", finite(allReduceMillis));
        m.put("updateMillis", finite(updateMillis));
        m.put("skipped", skipped);
        m.put("testAccuracy", testAccuracy == null ? null : finite(testAccuracy));
        m.put("testLoss", testLoss == null ? null : finite(testLoss));
        if (sequence != null) {
            m.put("testPerplexity", testPerplexity() == null ? null : finite(testPerplexity()));
        }
        if (communication != null) {
            m.put("communication", communication.toMap());
        }
        return m;
    }

    private static Double finite(double v) {
        return Double.isFinite(v) ? v : null;
    }
}
