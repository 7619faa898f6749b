package dev.sparklamb.spark.model;

import dev.sparklamb.spark.config.ConfigurationException;
import java.util.List;
import java.util.function.Function;
import org.nd4j.linalg.learning.regularization.L1Regularization;
import org.nd4j.linalg.learning.regularization.L2Regularization;
import org.nd4j.linalg.learning.regularization.Regularization;
import org.nd4j.linalg.learning.regularization.WeightDecay;
import org.nd4j.linalg.schedule.FixedSchedule;
import org.nd4j.linalg.schedule.ISchedule;

/** One tensor's DL4J regularization as coefficients {@code [l1, l2, weightDecay]}, or a refusal. */
final class RegularizationCoefficients {

    private RegularizationCoefficients() {
    }

    /**
     * L1, L2 and DL4J {@code WeightDecay} coefficients of one tensor. DL4J's WeightDecay is decoupled decay scaled by
     * the learning rate ({@code applyLR = true}); it becomes the tensor's decoupled weight decay in the optimizer
     * (LAMB, AdamW). {@code applyLR = false} and scheduled coefficients are refused.
     */
    static double[] of(List<Regularization> list, String param, Function<String, ConfigurationException> refuse) {
        double l1 = 0;
        double l2 = 0;
        double decay = 0;
        if (list == null) {
            return new double[] {0, 0, 0};
        }
        for (Regularization r : list) {
            if (r instanceof L1Regularization r1) {
                l1 += fixed(refuse, param, "l1", r1.getL1());
            } else if (r instanceof L2Regularization r2) {
                l2 += fixed(refuse, param, "l2", r2.getL2());
            } else if (r instanceof WeightDecay wd) {
                if (!wd.isApplyLR()) {
                    throw refuse.apply("gives parameter '" + param + "' WeightDecay with applyLR = false, which decays independently "
                            + "of the learning rate; spark-lamb's decoupled decay is scaled by the learning rate (applyLR = true)");
                }
                decay += fixed(refuse, param, "weight decay", wd.getCoeff());
            } else {
                throw refuse.apply("gives parameter '" + param + "' the regularization " + r.getClass().getSimpleName()
                        + ", which is not supported; use l1/l2, WeightDecay or spark-lamb.optimizer.weight-decay");
            }
        }
        return new double[] {l1, l2, decay};
    }

    private static double fixed(Function<String, ConfigurationException> refuse, String param, String what, ISchedule schedule) {
        if (!(schedule instanceof FixedSchedule)) {
            throw refuse.apply("gives parameter '" + param + "' a scheduled " + what + " coefficient ("
                    + schedule.getClass().getSimpleName() + "); only fixed coefficients are supported");
        }
        return schedule.valueAt(0, 0);
    }

}
