package dev.sparklamb.submit;

import dev.sparklamb.spark.config.RunConfig;
import dev.sparklamb.spark.train.SparkTrainer;
import dev.sparklamb.spark.train.TrainedModel;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train a network with synchronous data-parallel steps; writes metrics.jsonl, model.zip and summary.json "
                + "to the output directory.")
final class TrainCommand implements Callable<Integer> {

    @Mixin
    ConfigOptions configuration = new ConfigOptions();

    @Option(names = "--resume", description = "Continue from the newest valid checkpoint in the output directory (start afresh "
            + "if there is none). Re-running the same command after a failure then resumes instead of starting over.")
    boolean resume;

    @Option(names = {"-o", "--output"}, paramLabel = "DIR", description = "Shortcut for --set spark-lamb.output=DIR.")
    String output;

    @Override
    public Integer call() {
        RunConfig run = output == null ? configuration.load()
                : configuration.load("spark-lamb.output=" + com.typesafe.config.ConfigUtil.quoteString(output));
        SparkSession spark = Sessions.create(run.spark());
        TrainedModel result = new SparkTrainer(spark, run).resume(resume).fit();
        result.finalEvaluation().ifPresent(e -> System.out.printf("final test accuracy: %.2f%% (%d examples)%n", 100 * e.accuracy(), e.examples()));
        System.out.println("output: " + run.output());
        return ExitCode.SUCCESS.code;
    }
}
