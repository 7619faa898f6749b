package dev.sparklamb.submit;

import dev.sparklamb.spark.config.SparkSettings;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/** Creates the CLI's Spark session: spark-submit's settings win; the configuration's master is only a default. */
final class Sessions {

    private Sessions() {
    }

    static SparkSession create(SparkSettings settings) {
        return SparkSession.builder().config(configure(new SparkConf(true), settings)).getOrCreate();
    }

    /** Adds the CLI's settings to {@code conf} (spark-submit's properties and -D system properties), keeping every value already set. */
    static SparkConf configure(SparkConf conf, SparkSettings settings) {
        if (!conf.contains("spark.master")) {
            conf.setMaster(settings.master());
        }
        conf.setIfMissing("spark.app.name", settings.appName());
        conf.setIfMissing("spark.serializer", "org.apache.spark.serializer.KryoSerializer");
        conf.setIfMissing("spark.ui.showConsoleProgress", "false");
        // Gradients come back as task results: up to 64 MB (16M parameters) they travel directly with the task's
        // status message instead of a second fetch from the block manager (Spark's default cut-off is 1 MB).
        conf.setIfMissing("spark.task.maxDirectResultSize", "64m");
        // Kryo serializes a task result into one buffer: a gradient of more than 16M parameters (64 MB, Spark's default
        // limit) would fail with "Buffer overflow"; 1 GB allows 268M parameters per task result.
        conf.setIfMissing("spark.kryoserializer.buffer.max", "1g");
        // Every step broadcasts the parameters and returns gradients: Kryo's unsafe streams copy float arrays in bulk
        // instead of value by value, and float32 parameters do not compress, so compressing their broadcast only costs
        // time on the driver and every executor (docs/benchmarks.md, "Step latency across executor JVMs").
        conf.setIfMissing("spark.kryo.unsafe", "true");
        conf.setIfMissing("spark.broadcast.compress", "false");
        if (conf.get("spark.master").startsWith("local")) {
            conf.setIfMissing("spark.driver.host", "127.0.0.1");
            conf.setIfMissing("spark.driver.bindAddress", "127.0.0.1");
            conf.setIfMissing("spark.ui.enabled", "false");
        }
        return conf;
    }
}
