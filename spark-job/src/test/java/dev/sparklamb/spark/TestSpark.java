package dev.sparklamb.spark;

import dev.sparklamb.spark.config.ConfigLoader;
import dev.sparklamb.spark.config.RunConfig;
import dev.sparklamb.spark.data.ExampleBlock;
import dev.sparklamb.spark.data.MnistImporter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;

/**
 * Shared fixtures: a quiet local Spark session bound to 127.0.0.1 (test classes get theirs from {@link LocalSpark}), and a
 * small synthetic classification set.
 */
public final class TestSpark {

    private TestSpark() {
    }

    public static SparkSession session(String master) {
        return builder(master).getOrCreate();
    }

    /** The settings of {@link #session(String)}, to add to. */
    public static SparkSession.Builder builder(String master) {
        return SparkSession.builder()
                .master(master)
                .appName("spark-lamb-test")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.ui.enabled", "false")
                .config("spark.ui.showConsoleProgress", "false")
                .config("spark.sql.shuffle.partitions", "4")
                .config("spark.serializer", "org.apache.spark.serializer.KryoSerializer");
    }

    /**
     * {@code executors} executor JVMs with one core and {@code memoryMb} each ({@code local-cluster}); they inherit the
     * test JVM's classpath through Spark's test switches set by the surefire execution, and its Java 17 flags.
     */
    public static SparkSession localCluster(int executors, int memoryMb) {
        return localClusterBuilder(executors, memoryMb).getOrCreate();
    }

    /** The settings of {@link #localCluster(int, int)}, to add to. */
    public static SparkSession.Builder localClusterBuilder(int executors, int memoryMb) {
        return builder("local-cluster[" + executors + ",1," + memoryMb + "]")
                .appName("spark-lamb-local-cluster-test")
                .config("spark.executor.extraJavaOptions", System.getProperty("sparklamb.java17.flags", "")
                        + " -Dlog4j2.configurationFile=" + System.getProperty("sparklamb.project.dir", ".") + "/conf/log4j2.properties");
    }

    /**
     * {@code n} MNIST-sized examples generated on the executors (784 features, 4 Spark partitions): feature j of example
     * i is a byte b stored as b / 255 ({@link #pixel}), as import-mnist stores pixels; labels 0..9 ({@link #pixelLabel}).
     */
    public static Dataset<Row> pixels(SparkSession spark, long n) {
        return spark.range(0, n, 1, 4).selectExpr(
                "transform(sequence(0, 783), j -> cast(pmod(id * 131 + j * 71 + (id div 7) * j, 256) / 255D as float)) as features",
                "cast(pmod(id * 7 + id div 3, 10) as int) as label");
    }

    /** Feature {@code j} of example {@code i} of {@link #pixels}, computed here, independently of Spark. */
    public static float pixel(long i, int j) {
        return (float) (Math.floorMod(i * 131 + j * 71L + (i / 7) * j, 256L) / 255.0);
    }

    /** The label of example {@code i} of {@link #pixels}. */
    public static int pixelLabel(long i) {
        return (int) Math.floorMod(i * 7L + i / 3, 10L);
    }

    /** A synthetic 10-class problem on {@code side x side} "images": labels from a fixed random linear teacher. */
    public static Synthetic synthetic(int n, int side, long seed) {
        Random r = new Random(seed);
        int d = side * side;
        float[][] teacher = new float[10][d];
        for (float[] row : teacher) {
            for (int j = 0; j < d; j++) {
                row[j] = (float) r.nextGaussian();
            }
        }
        float[][] x = new float[n][d];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                x[i][j] = r.nextFloat();
            }
            double best = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < 10; c++) {
                double s = 0;
                for (int j = 0; j < d; j++) {
                    s += teacher[c][j] * (x[i][j] - 0.5);
                }
                if (s > best) {
                    best = s;
                    y[i] = c;
                }
            }
        }
        return new Synthetic(x, y, side);
    }

    /** Examples in id order. */
    public record Synthetic(float[][] features, int[] labels, int side) {

        public Dataset<Row> frame(SparkSession spark) {
            List<Row> rows = new ArrayList<>();
            for (int i = 0; i < labels.length; i++) {
                rows.add(RowFactory.create(features[i], labels[i]));
            }
            return spark.createDataFrame(rows, MnistImporter.SCHEMA);
        }

        /** All examples as one block with ids 0..n-1, as a single process would hold them. */
        public ExampleBlock block() {
            int d = side * side;
            long[] ids = new long[labels.length];
            float[] x = new float[labels.length * d];
            for (int i = 0; i < labels.length; i++) {
                ids[i] = i;
                System.arraycopy(features[i], 0, x, i * d, d);
            }
            return new ExampleBlock(0, d, ids, x, labels.clone());
        }
    }

    /** A run configuration over the defaults with these overrides (HOCON key=value, relative to spark-lamb.). */
    public static RunConfig config(Path output, String... overrides) {
        List<String> all = new ArrayList<>();
        all.add("spark-lamb.output=\"" + output.toUri() + "\"");
        for (String o : overrides) {
            all.add("spark-lamb." + o);
        }
        return ConfigLoader.load("", "test", all);
    }
}
