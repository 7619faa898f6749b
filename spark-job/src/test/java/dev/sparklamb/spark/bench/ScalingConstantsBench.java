package dev.sparklamb.spark.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.LongSupplier;
import java.util.stream.IntStream;
import org.apache.spark.HashPartitioner;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.factory.Nd4j;
import scala.Tuple2;

/**
 * The constants of {@code docs/scaling.md}, measured with N single-core executor JVMs ({@code local-cluster}): the
 * latency of a Spark job of one stage and the extra latency of a shuffle stage (trivial tasks), the time to move
 * bytes by shuffle (every executor to every other), by broadcast (driver to executors) and as task results
 * (executors to driver) at two payload sizes (the slope is the bytes/s), and the forward+backward time per example
 * of MLPs of two sizes inside an executor task. Medians of {@code reps} repetitions after one warm-up.
 *
 * <p>Arguments: executors, executor memory MB, repetitions, small and large payload MB per executor.
 */
public final class ScalingConstantsBench {

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 2;
        int memory = args.length > 1 ? Integer.parseInt(args[1]) : 2200;
        int reps = args.length > 2 ? Integer.parseInt(args[2]) : 9;
        int smallMb = args.length > 3 ? Integer.parseInt(args[3]) : 4;
        int largeMb = args.length > 4 ? Integer.parseInt(args[4]) : 40;
        SparkSession spark = SparkSession.builder().master("local-cluster[" + n + ",1," + memory + "]").appName("spark-lamb constants")
                .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
                .config("spark.executor.memory", memory + "m").config("spark.task.maxDirectResultSize", "64m")
                .config("spark.driver.maxResultSize", "4g").config("spark.shuffle.readHostLocalDisk", "false")
                .config("spark.executor.extraJavaOptions", System.getProperty("sparklamb.java17.flags", "")
                        + " -Dlog4j2.configurationFile=" + System.getProperty("log4j2.configurationFile", ""))
                .getOrCreate();
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        List<Integer> tasks = IntStream.range(0, n).boxed().toList();
        List<String> rows = new ArrayList<>();
        try {
            double oneStage = median(reps, () -> jsc.parallelize(tasks, n).map(x -> x + 1).collect().size());
            double twoStages = median(reps, () -> jsc.parallelize(tasks, n).mapToPair(x -> new Tuple2<>(x, x))
                    .partitionBy(new HashPartitioner(n)).values().collect().size());
            rows.add(String.format("| job of one stage, %d trivial tasks | %.1f ms |", n, oneStage));
            rows.add(String.format("| job of two stages (one shuffle), trivial tasks | %.1f ms (+%.1f ms per shuffle stage) |", twoStages,
                    twoStages - oneStage));
            for (int mb : new int[] {smallMb, largeMb}) {
                int floats = mb * 250_000;
                double shuffle = median(reps, () -> jsc.parallelize(tasks, n).flatMapToPair(x -> {
                    List<Tuple2<Integer, float[]>> out = new ArrayList<>();
                    for (int p = 0; p < n; p++) {
                        out.add(new Tuple2<>(p, new float[floats / n]));
                    }
                    return out.iterator();
                }).partitionBy(new HashPartitioner(n)).values().map(a -> a.length).collect().size());
                double results = median(reps, () -> jsc.parallelize(tasks, n).map(x -> new float[floats]).collect().size());
                double broadcast = median(reps, () -> {
                    Broadcast<float[]> b = jsc.broadcast(new float[floats]);
                    try {
                        return jsc.parallelize(tasks, n).map(x -> b.value().length).collect().size();
                    } finally {
                        b.destroy();
                    }
                });
                rows.add(String.format("| shuffle, %d MB written per executor (to all %d) | %.1f ms |", mb, n, shuffle));
                rows.add(String.format("| task results, %d MB per task to the driver | %.1f ms |", mb, results));
                rows.add(String.format("| broadcast of %d MB to %d executors | %.1f ms |", mb, n, broadcast));
            }
            for (int width : new int[] {700, 2800}) {
                String json = AllReduceBench.mlp(784, width, 10).toJson();
                int batch = 256;
                List<double[]> perTask = jsc.parallelize(tasks, n).map(x -> {
                    MultiLayerNetwork net = new MultiLayerNetwork(MultiLayerConfiguration.fromJson(json));
                    net.init();
                    double[] t = new double[reps];
                    for (int r = -1; r < reps; r++) {
                        net.setInput(Nd4j.rand(batch, 784));
                        net.setLabels(Nd4j.zeros(batch, 10).putScalar(0, 1, 1.0));
                        long t0 = System.nanoTime();
                        net.computeGradientAndScore();
                        if (r >= 0) {
                            t[r] = (System.nanoTime() - t0) / 1e6;
                        }
                    }
                    Arrays.sort(t);
                    return new double[] {t[reps / 2], net.numParams()};
                }).collect();
                double ms = perTask.stream().mapToDouble(t -> t[0]).max().orElse(0);
                long params = (long) perTask.get(0)[1];
                rows.add(String.format("| forward+backward, MLP of %,d parameters, batch %d, in an executor task (slowest of %d) | %.1f ms "
                        + "= %.3f ms per example = %.2f ns per parameter per example |", params, batch, n, ms, ms / batch, ms * 1e6 / batch / params));
            }
        } finally {
            spark.stop();
        }
        System.out.println();
        System.out.println("| what (N = " + n + " executor JVMs, 1 core each) | median of " + reps + " |");
        System.out.println("|---|---:|");
        rows.forEach(r -> System.out.println("RESULT " + r));
    }

    static double median(int reps, LongSupplier job) {
        job.getAsLong();
        double[] t = new double[reps];
        for (int r = 0; r < reps; r++) {
            long t0 = System.nanoTime();
            job.getAsLong();
            t[r] = (System.nanoTime() - t0) / 1e6;
        }
        Arrays.sort(t);
        return t[reps / 2];
    }
}
