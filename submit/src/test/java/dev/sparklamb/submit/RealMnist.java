package dev.sparklamb.submit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.SparkSession;

/** Real MNIST subsets for the end-to-end tests, imported with the CLI, and the parameter comparison they share. */
final class RealMnist {

    private RealMnist() {
    }

    /**
     * Imports the first 2,048 training and 512 test images of MNIST ({@link StandaloneClusterIT#RAW}) as Parquet with
     * {@code spark-lamb import-mnist} in this JVM (local[2]); the caller stops the session it leaves active.
     */
    static void importSubsets(Path train, Path test) {
        Path raw = StandaloneClusterIT.RAW;
        assertThat(SparkLambCli.run("import-mnist", "--images", raw.resolve("train-images-idx3-ubyte").toString(),
                "--labels", raw.resolve("train-labels-idx1-ubyte").toString(), "--output", train.toString(),
                "--limit", "2048", "--master", "local[2]")).isZero();
        assertThat(SparkLambCli.run("import-mnist", "--images", raw.resolve("t10k-images-idx3-ubyte").toString(),
                "--labels", raw.resolve("t10k-labels-idx1-ubyte").toString(), "--output", test.toString(),
                "--limit", "512", "--master", "local[2]")).isZero();
    }

    /**
     * {@link #importSubsets} into {@code train} and {@code test}, then the reference run: {@code job} (a train command
     * line reading them) in this JVM in local[2], written to {@code output}. Stops the Spark session in any case.
     */
    static void importAndTrainLocally(Path train, Path test, List<String> job, Path output) {
        try {
            importSubsets(train, test);
            List<String> local = new ArrayList<>(job);
            local.addAll(List.of("--set", "spark-lamb.spark.master=\"local[2]\"", "--output", output.toString()));
            assertThat(SparkLambCli.run(local.toArray(String[]::new))).isZero();
        } finally {
            SparkSession.getActiveSession().foreach(s -> {
                s.stop();
                return null;
            });
        }
    }

    /** |other - reference| / |reference| (L2 norms, in double). */
    static double relativeL2(float[] reference, float[] other) {
        assertThat(other).hasSameSizeAs(reference);
        double diff = 0;
        double norm = 0;
        for (int i = 0; i < reference.length; i++) {
            diff += ((double) reference[i] - other[i]) * ((double) reference[i] - other[i]);
            norm += (double) reference[i] * reference[i];
        }
        return Math.sqrt(diff / norm);
    }
}
