package dev.sparklamb.spark.bench;

import dev.sparklamb.spark.TestSpark;
import dev.sparklamb.spark.data.MnistImporter;
import dev.sparklamb.spark.ml.LambClassificationModel;
import dev.sparklamb.spark.ml.LambClassifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@code LambClassificationModel.transform} throughput (rows/s) on the MNIST test set (10,000 rows, the {@code mlp} preset)
 * at P partitions of a {@code local[P]} session, against DL4J's single-process {@code output} on the same rows as one
 * in-memory matrix, in one JVM. The model is trained for 2 steps first (throughput does not depend on the values).
 * Each side: 1 warm-up, then {@code rounds} timed runs; the median is reported. The transform's rows come from a cached
 * DataFrame and are written to Spark's {@code noop} sink, so every output column is computed. A third measurement, the
 * same Spark path without the network (rows copied, one column appended, rescanned), shows Spark's share; a fourth, DL4J's
 * {@code output} on the driver in micro-batches of the transform's size, the cost of the batching alone.
 *
 * <p>Arguments: {@code [RAW_DIR (data/mnist/raw)] [P (2)] [ROUNDS (5)] [MICRO_BATCH (512)]}. See docs/benchmarks.md.
 */
public final class TransformThroughput {

    private TransformThroughput() {
    }

    public static void main(String[] args) throws Exception {
        String raw = args.length > 0 ? args[0] : "data/mnist/raw";
        int p = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        int microBatch = args.length > 3 ? Integer.parseInt(args[3]) : 512;
        SparkSession spark = TestSpark.session("local[" + p + "]");
        try {
            Path tmp = Files.createTempDirectory("transform-throughput");
            String parquet = tmp.resolve("t10k.parquet").toUri().toString();
            MnistImporter.convert(spark, raw + "/t10k-images-idx3-ubyte", raw + "/t10k-labels-idx1-ubyte", parquet, 0);
            Dataset<Row> df = spark.read().parquet(parquet).repartition(p).cache();
            long n = df.count();
            LambClassificationModel model = new LambClassifier().setPartitions(p).setGlobalBatch(1024).setMaxSteps(2)
                    .setOutputDir(tmp.resolve("run").toUri().toString()).fit(df);
            model.setMicroBatch(microBatch);

            List<Row> rows = df.select("features").collectAsList();
            float[][] x = new float[rows.size()][];
            for (int i = 0; i < x.length; i++) {
                List<Float> v = rows.get(i).getList(0);
                x[i] = new float[v.size()];
                for (int j = 0; j < v.size(); j++) {
                    x[i][j] = v.get(j);
                }
            }
            INDArray matrix = Nd4j.createFromArray(x);
            MultiLayerNetwork net = (MultiLayerNetwork) model.network();

            double[] single = new double[rounds];
            double[] spark2 = new double[rounds];
            double[] pass = new double[rounds];
            double[] batched = new double[rounds];
            for (int r = -1; r < rounds; r++) {
                long t0 = System.nanoTime();
                net.output(matrix, false);
                double s = (System.nanoTime() - t0) / 1e9;
                long t1 = System.nanoTime();
                model.transform(df).write().format("noop").mode("overwrite").save();
                double d = (System.nanoTime() - t1) / 1e9;
                long t3 = System.nanoTime();
                for (int from = 0; from < x.length; from += microBatch) {
                    int count = Math.min(microBatch, x.length - from);
                    net.output(Nd4j.createFromArray(Arrays.copyOfRange(x, from, from + count)), false);
                }
                double m = (System.nanoTime() - t3) / 1e9;
                long t2 = System.nanoTime();
                passThrough(df);
                double q = (System.nanoTime() - t2) / 1e9;
                if (r >= 0) {
                    single[r] = n / s;
                    spark2[r] = n / d;
                    pass[r] = n / q;
                    batched[r] = n / m;
                }
            }
            double a = median(single);
            double b = median(spark2);
            System.out.printf("rows %d, P %d, micro-batch %d, rounds %d%n", n, p, microBatch, rounds);
            System.out.printf("DL4J output (one process, one matrix): median %.0f rows/s %s%n", a, Arrays.toString(round(single)));
            System.out.printf("transform (P=%d):                       median %.0f rows/s %s%n", p, b, Arrays.toString(round(spark2)));
            System.out.printf("DL4J output in micro-batches, one thread: median %.0f rows/s %s%n", median(batched), Arrays.toString(round(batched)));
            System.out.printf("Spark pass-through (no network):         median %.0f rows/s %s%n", median(pass), Arrays.toString(round(pass)));
            System.out.printf("transform / DL4J output: %.2f%n", b / a);
        } finally {
            spark.stop();
        }
    }

    /** The transform's Spark side alone: the same internal-row copy and rescan, each row with one extra double. */
    private static void passThrough(Dataset<Row> df) {
        org.apache.spark.sql.types.StructType out = df.schema().add("x", org.apache.spark.sql.types.DataTypes.DoubleType);
        org.apache.spark.api.java.JavaRDD<org.apache.spark.sql.catalyst.InternalRow> rows = df.queryExecution().toRdd().toJavaRDD()
                .map(r -> new org.apache.spark.sql.catalyst.expressions.JoinedRow(r.copy(),
                        new org.apache.spark.sql.catalyst.expressions.GenericInternalRow(new Object[] {1.0})));
        df.sparkSession().internalCreateDataFrame(rows.rdd(), out, false).write().format("noop").mode("overwrite").save();
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static long[] round(double[] v) {
        return Arrays.stream(v).mapToLong(Math::round).toArray();
    }
}
