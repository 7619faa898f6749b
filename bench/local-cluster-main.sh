# Sourced by bench scripts that run a main of spark-job's test classes with local-cluster executor JVMs: builds with
# the reactor (build-classpath.sh), sets Spark's test switches through which the executors inherit this JVM's
# classpath (docs/development.md, "Tests with separate executor JVMs") and defines
#   run_main CLASS ARGS...   exec java with the Java 17 flags, DRIVER_HEAP (default 4g), BENCH_JAVA_OPTS for the driver
#                            and EXECUTOR_JAVA_OPTS added to the executors' options.
source "$here/bench/build-classpath.sh"
export SPARK_LOCAL_IP=127.0.0.1 SPARK_SCALA_VERSION=2.12 SPARK_TESTING=1
mkdir -p "$here/target/bench-spark-home"
run_main() {
  exec java -Xmx"${DRIVER_HEAP:-4g}" ${BENCH_JAVA_OPTS:-} "${flags[@]}" -Dspark.testing=true \
    -Dspark.test.home="$here/target/bench-spark-home" -Dsparklamb.java17.flags="${flags[*]} ${EXECUTOR_JAVA_OPTS:-}" \
    -Dlog4j2.configurationFile="$here/conf/log4j2.properties" -cp "$classpath" "$@"
}
