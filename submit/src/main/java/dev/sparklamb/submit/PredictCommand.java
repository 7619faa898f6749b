package dev.sparklamb.submit;

import dev.sparklamb.spark.config.RunConfig;
import dev.sparklamb.spark.train.ModelPrediction;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code predict}: one Parquet row per example (id, predicted class, class probabilities) from a saved model. */
@Command(name = "predict", mixinStandardHelpOptions = true,
        description = "Predictions of a saved model (model.zip) for a data set, computed on the executors and written as Parquet: "
                + "id (the example id), prediction (class), probabilities (array<float>).")
final class PredictCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, paramLabel = "FILE", description = "A model.zip written by train (any Hadoop URI).")
    String model;

    @Option(names = "--data", required = true, paramLabel = "PATH", description = "Data to predict (format and columns from the configuration).")
    String data;

    @Option(names = "--output", required = true, paramLabel = "PATH", description = "New Parquet directory for the predictions "
            + "(any Hadoop URI; must not exist).")
    String output;

    @Mixin
    ConfigOptions configuration = new ConfigOptions();

    @Override
    public Integer call() {
        RunConfig run = configuration.load();
        SparkSession spark = Sessions.create(run.spark());
        long examples = ModelPrediction.predict(spark, run, model, data, output);
        System.out.printf("predictions: %d%noutput: %s%n", examples, output);
        return ExitCode.SUCCESS.code;
    }
}
