package dev.sparklamb.submit;

import dev.sparklamb.spark.config.RunConfig;
import dev.sparklamb.spark.train.SparkTrainer;
import dev.sparklamb.spark.train.TrainedModel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train a network with synchronous data-parallel steps; writes metrics.jsonl, model.zip and summary.json "
                + "to the output directory.")
final class TrainCommand implements Callable<Integer> {

    @Option(names = {"-c", "--config"}, paramLabel = "FILE",
            description = "Run configuration (HOCON), layered over conf/spark-lamb-defaults.conf. Any Hadoop URI.")
    String config;

    @Option(names = {"-s", "--set"}, paramLabel = "KEY=VALUE",
            description = "Override one key, e.g. --set spark-lamb.training.epochs=5 (repeatable).")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--resume", description = "Continue from the newest valid checkpoint in the output directory (start afresh "
            + "if there is none). Re-running the same command after a failure then resumes instead of starting over.")
    boolean resume;

    @Option(names = {"-o", "--output"}, paramLabel = "DIR", description = "Shortcut for --set spark-lamb.output=DIR.")
    String output;

    @Override
    public Integer call() {
        List<String> all = new ArrayList<>(overrides);
        if (output != null) {
            all.add("spark-lamb.output=" + com.typesafe.config.ConfigUtil.quoteString(output));
        }
        RunConfig run = ConfigFiles.load(config, all);
        SparkSession spark = Sessions.create(run.spark());
        TrainedModel result = new SparkTrainer(spark, run).resume(resume).fit();
        result.finalEvaluation().ifPresent(e -> System.out.printf("final test accuracy: %.2f%% (%d examples)%n", 100 * e.accuracy(), e.examples()));
        System.out.println("output: " + run.output());
        return ExitCode.SUCCESS.code;
    }
}
