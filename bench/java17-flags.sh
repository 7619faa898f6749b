# Sourced by the bench scripts: sets the array `flags` to the JVM options Spark 3.5 needs on Java 17 when it is started
# with plain `java` (spark-submit adds them itself: JavaModuleOptions.defaultModuleOptions()).
# See docs/development.md, "JVM flags for Spark 3.5 on Java 17".
flags=(-XX:+IgnoreUnrecognizedVMOptions)
for p in java.lang java.lang.invoke java.lang.reflect java.io java.net java.nio java.util java.util.concurrent \
         java.util.concurrent.atomic jdk.internal.ref sun.nio.ch sun.nio.cs sun.security.action sun.util.calendar; do
  flags+=("--add-opens=java.base/$p=ALL-UNNAMED")
done
flags+=(--add-opens=java.security.jgss/sun.security.krb5=ALL-UNNAMED -Djdk.reflect.useDirectMethodHandle=false)
