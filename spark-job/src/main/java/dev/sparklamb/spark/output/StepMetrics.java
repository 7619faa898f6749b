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
        Communication communication) implements Serializable {

    public StepMetrics withEvaluation(double accuracy, double loss) {
        return new StepMetrics(step, totalSteps, epoch, examples, this.loss, learningRate, gradientNorm, clipScale, trustRatioMin,
                trustRatioMinTensor, trustRatioMedian, trustRatioMax, trustRatioMaxTensor, examplesPerSecond, stepMillis,
                distributeMillis, computeMillis, allReduceMillis, updateMillis, skipped, accuracy, loss, communication);
    }

    /** With the step's bytes moved, as Spark measured them (null: not measured). */
    public StepMetrics withCommunication(Communication c) {
        return new StepMetrics(step, totalSteps, epoch, examples, loss, learningRate, gradientNorm, clipScale, trustRatioMin,
                trustRatioMinTensor, trustRatioMedian, trustRatioMax, trustRatioMaxTensor, examplesPerSecond, stepMillis,
                distributeMillis, computeMillis, allReduceMillis, updateMillis, skipped, testAccuracy, testLoss, c);
    }

    /** Field name to value, in declaration order; non-finite numbers become null (JSON has no NaN). */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("step", step);
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
        m.put("stepMillis", finite(stepMillis));
        m.put("distributeMillis", finite(distributeMillis));
        m.put("computeMillis", finite(computeMillis));
        m.put("allReduceMillis", finite(allReduceMillis));
        m.put("updateMillis", finite(updateMillis));
        m.put("skipped", skipped);
        m.put("testAccuracy", testAccuracy == null ? null : finite(testAccuracy));
        m.put("testLoss", testLoss == null ? null : finite(testLoss));
        if (communication != null) {
            m.put("communication", communication.toMap());
        }
        return m;
    }

    private static Double finite(double v) {
        return Double.isFinite(v) ? v : null;
    }
}
