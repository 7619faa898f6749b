package dev.sparklamb.spark.bench.sweep;

/**
 * One evaluation during a run.
 *
 * @param epochs        training examples seen so far divided by the training-set size
 * @param step          optimizer steps so far (DL4J peers: minibatch iterations, as DL4J counts them)
 * @param trainSeconds  training wall time so far, evaluations excluded
 * @param trainLoss     mean training loss over the steps since the previous evaluation (NaN if unknown)
 * @param testAccuracy  on the full test set, in [0, 1]
 * @param testLoss      mean cross-entropy on the test set
 */
public record CurvePoint(double epochs, long step, double trainSeconds, double trainLoss, double testAccuracy, double testLoss) {
}
