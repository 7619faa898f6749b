package dev.sparklamb.spark;

import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * The local {@link SparkSession} of a test class, with {@link TestSpark}'s settings: started before the class's own
 * {@code @BeforeAll} methods and stopped after its {@code @AfterAll} methods (stopping it earlier there is fine). The
 * session is assigned to the class's static {@code SparkSession} fields and resolves {@code SparkSession} parameters.
 *
 * <pre>{@code
 * @ExtendWith(LocalSpark.class)
 * class MyTest {
 *     static SparkSession spark;
 * }
 * }</pre>
 *
 * {@link Settings} on the class chooses other settings (a local cluster of executor JVMs, extra keys).
 */
public final class LocalSpark implements BeforeAllCallback, AfterAllCallback, ParameterResolver {

    /** Other settings than {@code local[2]}. */
    @Target(ElementType.TYPE)
    @Retention(RetentionPolicy.RUNTIME)
    @Inherited
    public @interface Settings {

        /** The master when {@link #executors()} is 0. */
        String master() default "local[2]";

        /** More than 0: a {@code local-cluster} of this many executor JVMs ({@link TestSpark#localCluster}). */
        int executors() default 0;

        /** Each executor JVM's memory, with {@link #executors()}. */
        int executorMemoryMb() default 1024;

        /** Extra Spark settings, {@code key=value}. */
        String[] conf() default {};
    }

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(LocalSpark.class);
    private static final String SESSION = "session";

    @Override
    public void beforeAll(ExtensionContext context) throws IllegalAccessException {
        Class<?> test = context.getRequiredTestClass();
        SparkSession spark = start(test.getAnnotation(Settings.class));
        context.getStore(NAMESPACE).put(SESSION, spark);
        setFields(test, spark);
    }

    @Override
    public void afterAll(ExtensionContext context) throws IllegalAccessException {
        SparkSession spark = context.getStore(NAMESPACE).remove(SESSION, SparkSession.class);
        try {
            if (spark != null) {
                spark.stop();
            }
        } finally {
            setFields(context.getRequiredTestClass(), null);
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == SparkSession.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return context.getStore(NAMESPACE).get(SESSION, SparkSession.class);
    }

    private static SparkSession start(Settings settings) {
        if (settings == null) {
            return TestSpark.session("local[2]");
        }
        SparkSession.Builder builder = settings.executors() > 0
                ? TestSpark.localClusterBuilder(settings.executors(), settings.executorMemoryMb())
                : TestSpark.builder(settings.master());
        for (String kv : settings.conf()) {
            int eq = kv.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("LocalSpark.Settings.conf: expected key=value, got '" + kv + "'");
            }
            builder.config(kv.substring(0, eq), kv.substring(eq + 1));
        }
        return builder.getOrCreate();
    }

    /** Assigns {@code spark} to the static, non-final {@code SparkSession} fields of {@code test} and its superclasses. */
    private static void setFields(Class<?> test, SparkSession spark) throws IllegalAccessException {
        for (Class<?> c = test; c != null && c != Object.class; c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) {
                int m = f.getModifiers();
                if (f.getType() == SparkSession.class && Modifier.isStatic(m) && !Modifier.isFinal(m)) {
                    f.setAccessible(true);
                    f.set(null, spark);
                }
            }
        }
    }
}
