package dev.sparklamb.submit;

import static dev.sparklamb.submit.TestData.csv;
import static dev.sparklamb.submit.TestData.parquet;
import static dev.sparklamb.submit.TestData.rows;
import static dev.sparklamb.submit.TestData.table;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sparklamb.spark.config.SparkSettings;
import dev.sparklamb.submit.HostileCases.Invocation;
import dev.sparklamb.submit.HostileCases.Setup;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;

/**
 * The fixtures every case of {@link HostileInputTest} shares, built once per class by {@link #create}: a Spark session
 * (the one the CLI reuses), 200 synthetic 8x8 examples as Parquet and CSV, a valid configuration (goodConf) and a
 * finished run of it (baseRun); and the {@code train} command lines over them.
 */
final class HostileFixtures {

    private HostileFixtures() {
    }

    static final int SIDE = 8;
    static final int FEATURES = SIDE * SIDE;
    static final int EXAMPLES = 200;
    static final String MASTER = "spark-lamb.spark.master=\"local[2]\"";
    static final String NEWEST = "step-000000000003.ckpt";

    /** The test's temporary directory ({@link HostileInputTest}'s {@code @TempDir}); every case works below it. */
    static Path root;

    static SparkSession spark;
    static float[][] x;
    static int[] y;
    /** Shared, never modified by a case (the snapshot checks that): */
    static Path trainParquet;
    static Path testParquet;
    static Path trainCsv;
    static Path goodConf;
    /** A finished run (3 steps, a checkpoint after every step, all 3 kept) of goodConf. */
    static Path baseRun;

    /**
     * Builds the shared fixtures under {@code tempRoot}: the synthetic data (Parquet and CSV), goodConf and the finished
     * base run.
     */
    static void create(Path tempRoot) throws IOException {
        root = tempRoot;
        // The same session the CLI creates (Sessions.create -> getOrCreate); the CLI's calls reuse it.
        spark = Sessions.create(new SparkSettings("local[2]", "spark-lamb"));
        CliHarness.installLogCapture();
        Random r = new Random(7);
        float[][] teacher = new float[10][FEATURES];
        for (float[] row : teacher) {
            for (int j = 0; j < FEATURES; j++) {
                row[j] = (float) r.nextGaussian();
            }
        }
        x = new float[EXAMPLES][FEATURES];
        y = new int[EXAMPLES];
        for (int i = 0; i < EXAMPLES; i++) {
            double best = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < FEATURES; j++) {
                x[i][j] = r.nextFloat();
            }
            for (int c = 0; c < 10; c++) {
                double s = 0;
                for (int j = 0; j < FEATURES; j++) {
                    s += teacher[c][j] * (x[i][j] - 0.5);
                }
                if (s > best) {
                    best = s;
                    y[i] = c;
                }
            }
        }
        Path data = Files.createDirectories(root.resolve("data"));
        trainParquet = parquet(spark, data.resolve("train.parquet"), rows(x, y));
        testParquet = parquet(spark, data.resolve("test.parquet"), rows(Arrays.copyOf(x, 100), Arrays.copyOf(y, 100)));
        trainCsv = csv(data.resolve("train.csv"), table(x, y));
        goodConf = root.resolve("conf").resolve("good.conf");
        Files.createDirectories(goodConf.getParent());
        Files.writeString(goodConf, goodHocon());
        baseRun = root.resolve("fixtures").resolve("run-a");
        CliHarness.Outcome base = CliHarness.run("train", "-c", goodConf.toString(), "--output", baseRun.toString(), "--set", MASTER);
        assertThat(base.code()).as(base.describe()).isZero();
        assertThat(checkpointNames(baseRun)).containsExactly("step-000000000001.ckpt", "step-000000000002.ckpt", NEWEST);
    }

    static String goodHocon() {
        return """
                # A valid run: 200 examples of 8x8, the mlp preset, 3 steps of 64 examples, a checkpoint after every step.
                spark-lamb {
                  data {
                    train = "%s"
                    test = "%s"
                    partitions = 2
                  }
                  model { input-height = 8, input-width = 8 }
                  training { global-batch = 64, micro-batch = 32, max-steps = 3 }
                  checkpoint { every-steps = 1, keep = 3 }
                  optimizer.learning-rate.base = 0.01
                  spark.master = "local[2]"
                }
                """.formatted(trainParquet.toUri(), testParquet.toUri());
    }

    /** goodConf's text with {@code extra} appended (a later HOCON value wins over an earlier one). */
    static Setup confWith(String extra, String... sets) {
        return dir -> {
            Path conf = dir.resolve("run.conf");
            Files.writeString(conf, goodHocon() + extra + "\n");
            return new Invocation(trainArgs(conf, dir.resolve("out"), false, sets), null, null);
        };
    }

    static String[] trainArgs(Path conf, Path output, boolean resume, String... sets) {
        List<String> args = new ArrayList<>(List.of("train", "-c", conf.toString(), "--output", output.toString(), "--set", MASTER));
        if (resume) {
            args.add("--resume");
        }
        for (String s : sets) {
            args.add("--set");
            args.add(s);
        }
        return args.toArray(new String[0]);
    }

    static Path copyOfTrain(Path dir, String name) {
        Path p = dir.resolve(name);
        CliHarness.copyTree(trainParquet, p);
        return p;
    }

    static List<String> checkpointNames(Path run) throws IOException {
        try (Stream<Path> s = Files.list(run.resolve("checkpoints"))) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".ckpt") && !n.startsWith(".")).sorted().toList();
        }
    }
}
