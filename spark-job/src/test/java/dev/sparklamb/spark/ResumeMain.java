package dev.sparklamb.spark;

import dev.sparklamb.spark.config.ConfigLoader;
import dev.sparklamb.spark.config.RunConfig;
import dev.sparklamb.spark.train.SparkTrainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.SparkSession;

/** A driver process for the kill test: trains with --resume semantics; "slow" sleeps after each step. */
public final class ResumeMain {

    private ResumeMain() {
    }

    public static void main(String[] args) throws Exception {
        RunConfig config = ConfigLoader.load(Files.readString(Path.of(args[0])), args[0], List.of());
        boolean slow = args.length > 1 && args[1].equals("slow");
        SparkSession spark = TestSpark.session("local[2]");
        new SparkTrainer(spark, config).resume(true).listener((m, p, u) -> {
            if (slow) {
                try {
                    Thread.sleep(700);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }).fit();
        spark.stop();
    }
}
