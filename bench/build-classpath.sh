# Sourced by the bench scripts that run a main from spark-job's test classes: builds spark-job and what it needs with
# the reactor (never `mvn install`: nothing is written to ~/.m2; MAVEN_OFFLINE=1 builds offline), writes the test
# classpath to spark-job/target/bench-cp.txt, sets `classpath` to it and `flags` to the Java 17 flags.
mvn -B -q -ntp ${MAVEN_OFFLINE:+-o} -pl spark-job -am test-compile dependency:build-classpath -Dexec.skip=true \
  -Dmdep.outputFile=target/bench-cp.txt -Dmdep.includeScope=test >/dev/null
source "$here/bench/java17-flags.sh"
classpath="$here/spark-job/target/test-classes:$here/spark-job/target/classes:$(cat "$here/spark-job/target/bench-cp.txt")"
