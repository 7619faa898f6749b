package dev.sparklamb.submit;

import dev.sparklamb.spark.config.RunConfig;
import dev.sparklamb.spark.evaluate.ClassificationReport;
import dev.sparklamb.spark.train.ModelEvaluation;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code evaluate}: accuracy, log loss, per-class precision/recall/F1 and confusion matrix of a saved model. */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
        description = "Accuracy, log loss, per-class precision/recall/F1 and the confusion matrix of a saved model (model.zip) "
                + "on a data set, computed on the executors.")
final class EvaluateCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, paramLabel = "FILE", description = "A model.zip written by train (any Hadoop URI).")
    String model;

    @Option(names = "--data", required = true, paramLabel = "PATH", description = "Data to score (format and columns from the configuration).")
    String data;

    @Option(names = "--report", paramLabel = "FILE", description = "Also write the metrics as JSON to this file (any Hadoop URI; "
            + "written atomically, replacing an existing file).")
    String report;

    @Mixin
    ConfigOptions configuration = new ConfigOptions();

    @Override
    public Integer call() {
        RunConfig run = configuration.load();
        SparkSession spark = Sessions.create(run.spark());
        if (report != null) {
            ModelEvaluation.requireReportPath(spark, report);
        }
        if (run.data().isTokens()) {
            java.util.Map<String, Object> mlm = ModelEvaluation.maskedLanguageModelReport(ModelEvaluation.evaluate(spark, run, model, data));
            System.out.printf("masked tokens %d  masked-token accuracy %.4f  loss per token %.4f  perplexity %.3f%n", mlm.get("maskedTokens"),
                    mlm.get("maskedTokenAccuracy"), mlm.get("loss"), mlm.get("perplexity"));
            if (report != null) {
                ModelEvaluation.writeReport(spark, (Object) mlm, report);
                System.out.println("report: " + report);
            }
            return ExitCode.SUCCESS.code;
        }
        ClassificationReport metrics = ModelEvaluation.report(spark, run, model, data);
        System.out.print(metrics.table());
        if (report != null) {
            ModelEvaluation.writeReport(spark, metrics, report);
            System.out.println("report: " + report);
        }
        return ExitCode.SUCCESS.code;
    }
}
