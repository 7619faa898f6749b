package dev.sparklamb.spark.bench.sweep;

import java.util.List;

/** Summaries of an evaluation curve. */
public final class Curves {

    private Curves() {
    }

    /** The highest test accuracy of the curve, NaN when it is empty. */
    public static double bestAccuracy(List<CurvePoint> curve) {
        return curve.stream().mapToDouble(CurvePoint::testAccuracy).max().orElse(Double.NaN);
    }

    /** The last point's test accuracy, NaN when the curve is empty. */
    public static double finalAccuracy(List<CurvePoint> curve) {
        return curve.isEmpty() ? Double.NaN : curve.get(curve.size() - 1).testAccuracy();
    }

    /**
     * Training seconds at the first evaluation whose accuracy is at least {@code target}; null when none is. The
     * resolution is the evaluation interval (about one epoch), so this is an upper bound on the true crossing time.
     */
    public static Double secondsToTarget(List<CurvePoint> curve, double target) {
        return curve.stream().filter(p -> p.testAccuracy() >= target).findFirst().map(CurvePoint::trainSeconds).orElse(null);
    }
}
