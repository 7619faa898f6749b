package dev.sparklamb.submit;

import dev.sparklamb.spark.config.SparkSettings;
import dev.sparklamb.spark.data.MnistImporter;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "import-mnist", mixinStandardHelpOptions = true,
        description = "Convert MNIST-format IDX files (MNIST, Fashion-MNIST; plain or .gz) to the trainer's Parquet layout "
                + "(features array<float> in [0,1], label int).")
final class ImportMnistCommand implements Callable<Integer> {

    @Option(names = "--images", required = true, paramLabel = "FILE", description = "IDX images file (e.g. train-images-idx3-ubyte).")
    String images;

    @Option(names = "--labels", required = true, paramLabel = "FILE", description = "IDX labels file (e.g. train-labels-idx1-ubyte).")
    String labels;

    @Option(names = "--output", required = true, paramLabel = "DIR", description = "Parquet directory to create (must not exist).")
    String output;

    @Option(names = "--limit", defaultValue = "0", paramLabel = "N", description = "Import at most N examples (0: all).")
    int limit;

    @Option(names = "--master", defaultValue = "local[*]", description = "Spark master when not set by spark-submit (default: ${DEFAULT-VALUE}).")
    String master;

    @Override
    public Integer call() {
        SparkSession spark = Sessions.create(new SparkSettings(master, "spark-lamb import-mnist"));
        long n = MnistImporter.convert(spark, images, labels, output, limit);
        System.out.println("imported " + n + " examples to " + output);
        return ExitCode.SUCCESS.code;
    }
}
