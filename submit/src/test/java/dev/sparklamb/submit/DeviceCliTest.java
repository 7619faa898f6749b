package dev.sparklamb.submit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sparklamb.submit.SparkLambCliTest.Outcome;
import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A device error raised inside a Spark task (here: {@code spark-lamb.device.type = gpu} in local mode, where Spark assigns
 * no GPUs) reaches the command line as a configuration error: exit code 2, the message naming the key and the fix.
 */
class DeviceCliTest {

    @TempDir
    Path tmp;

    @AfterAll
    static void stop() {
        SparkSession.getActiveSession().foreach(s -> {
            s.stop();
            return null;
        });
    }

    @Test
    void gpuRequestedWhereSparkAssignsNoneExitsWith2NamingTheSetting() {
        String train = tmp.resolve("train.parquet").toString();
        Path raw = StandaloneClusterIT.RAW;
        assertThat(SparkLambCliTest.run("import-mnist", "--images", raw.resolve("train-images-idx3-ubyte").toString(),
                "--labels", raw.resolve("train-labels-idx1-ubyte").toString(), "--output", train, "--limit", "512",
                "--master", "local[2]").code()).isZero();
        Outcome o = SparkLambCliTest.run("train", "--output", tmp.resolve("run").toString(),
                "--set", "spark-lamb.spark.master=\"local[2]\"", "--set", "spark-lamb.data.train=\"" + train + "\"",
                "--set", "spark-lamb.data.partitions=2", "--set", "spark-lamb.training.global-batch=256", "--set", "spark-lamb.training.micro-batch=128",
                "--set", "spark-lamb.training.max-steps=1", "--set", "spark-lamb.device.type=gpu");
        assertThat(o.code()).as(o.err()).isEqualTo(ExitCode.BAD_CONFIGURATION.code);
        assertThat(o.err()).contains("spark-lamb.device.type = gpu").contains("no GPU").contains("local mode");
    }
}
