package dev.sparklamb.submit;

import java.nio.file.Path;
import java.util.Map;

/**
 * The environment of a Spark JVM started by a test from a SPARK_HOME-like folder of jars (docs/development.md,
 * "Tests with separate executor JVMs").
 */
final class SparkHome {

    private SparkHome() {
    }

    /** SPARK_HOME and SPARK_SCALA_VERSION set, bound to 127.0.0.1, no configuration of this machine's Spark or Hadoop. */
    static ProcessBuilder environment(ProcessBuilder pb, Path sparkHome) {
        Map<String, String> env = pb.environment();
        env.put("SPARK_HOME", sparkHome.toString());
        env.put("SPARK_SCALA_VERSION", "2.12");
        env.put("SPARK_LOCAL_IP", "127.0.0.1");
        env.remove("SPARK_CONF_DIR");
        env.remove("HADOOP_CONF_DIR");
        return pb;
    }
}
