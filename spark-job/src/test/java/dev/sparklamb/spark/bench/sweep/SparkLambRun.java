package dev.sparklamb.spark.bench.sweep;

import dev.sparklamb.spark.config.ConfigLoader;
import dev.sparklamb.spark.config.RunConfig;
import dev.sparklamb.spark.output.StepMetrics;
import dev.sparklamb.spark.train.SparkTrainer;
import dev.sparklamb.spark.train.TrainedModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.SparkSession;

/**
 * A sweep run through our trainer ({@link SparkTrainer}): the LAMB paper's recipe (square-root scaling of the
 * batch-512 rate, 10% linear warmup, linear decay), weight decay 0.01 for LAMB and AdamW (none on biases),
 * 2 partitions, evaluation on the whole test set about once per epoch.
 */
final class SparkLambRun {

    /** Largest forward/backward pass per replica. */
    static final int MICRO_BATCH = 1024;
    static final int PARTITIONS = 2;

    private SparkLambRun() {
    }

    static List<String> settings(SweepRun run, DataFiles data, Path output) {
        long stepsPerEpoch = Math.max(1, data.trainCount() / run.globalBatch());
        List<String> s = new ArrayList<>(List.of(
                "spark-lamb.output=\"" + output.toUri() + "\"",
                "spark-lamb.model.preset=" + run.model(),
                "spark-lamb.data.train=\"" + data.trainParquet() + "\"",
                "spark-lamb.data.test=\"" + data.testParquet() + "\"",
                "spark-lamb.data.partitions=" + PARTITIONS,
                "spark-lamb.training.global-batch=" + run.globalBatch(),
                "spark-lamb.training.micro-batch=" + Math.min(MICRO_BATCH, run.globalBatch()),
                "spark-lamb.training.epochs=" + run.epochs(),
                "spark-lamb.training.eval-every-steps=" + stepsPerEpoch,
                "spark-lamb.training.progress-every-seconds=100000",
                "spark-lamb.checkpoint.every-steps=0",
                "spark-lamb.optimizer.name=" + run.optimizer(),
                String.format(Locale.ROOT, "spark-lamb.optimizer.learning-rate.base=%s", run.baseLearningRate()),
                "spark-lamb.optimizer.learning-rate.base-batch=" + SweepPlan.BASE_BATCH,
                "spark-lamb.optimizer.learning-rate.scaling=sqrt",
                "spark-lamb.optimizer.learning-rate.warmup-fraction=0.1",
                "spark-lamb.optimizer.learning-rate.decay-power=1.0",
                "spark-lamb.optimizer.exclude-from-weight-decay=[\"_b$\"]"));
        if (run.optimizer().equals("lamb") || run.optimizer().equals("adamw")) {
            s.add("spark-lamb.optimizer.weight-decay=0.01");
        }
        s.addAll(run.overrides());
        return s;
    }

    static RunResult run(SparkSession spark, SweepRun run, DataFiles data, Path output, RunContext context) {
        List<String> settings = settings(run, data, output);
        RunConfig config = ConfigLoader.load("", "sweep", settings);
        long start = System.nanoTime();
        TrainedModel result = new SparkTrainer(spark, config).fit();
        double wall = (System.nanoTime() - start) / 1e9;
        List<StepMetrics> history = result.history();
        List<CurvePoint> curve = new ArrayList<>();
        double trainMillis = 0;
        double lossSum = 0;
        int lossCount = 0;
        long examples = 0;
        for (StepMetrics m : history) {
            trainMillis += m.stepMillis();
            examples += m.examples();
            if (Double.isFinite(m.loss())) {
                lossSum += m.loss();
                lossCount++;
            }
            if (m.testAccuracy() != null) {
                curve.add(new CurvePoint((double) examples / data.trainCount(), m.step(), trainMillis / 1e3,
                        lossCount == 0 ? Double.NaN : lossSum / lossCount, m.testAccuracy(), m.testLoss()));
                lossSum = 0;
                lossCount = 0;
            }
        }
        double seconds = trainMillis / 1e3;
        double target = SweepPlan.TARGET.get(run.dataset());
        return new RunResult(run.id(), run, "succeeded", null, config.optimizer().peakLearningRate(run.globalBatch()),
                history.size(), examples, Curves.finalAccuracy(curve), Curves.bestAccuracy(curve), seconds, wall,
                examples / seconds, target, Curves.secondsToTarget(curve, target), curve,
                String.join("\n", settings.subList(1, settings.size())), context.gitCommit(), context.startedAt(), context.host());
    }
}
