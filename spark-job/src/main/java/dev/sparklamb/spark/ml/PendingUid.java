package dev.sparklamb.spark.ml;

/**
 * Hands a Java Params class its uid while Spark's Scala superclass constructor runs: that constructor creates the
 * inherited Params ({@code featuresCol}, ...) and asks {@code uid()} for their owner before a Java constructor body can
 * assign a field. The constructor chains {@code this(PendingUid.stash(uid))}, and {@code uid()} answers {@link #peek()}
 * until the field is set from {@link #take()}.
 */
final class PendingUid {

    private static final ThreadLocal<String> PENDING = new ThreadLocal<>();

    private PendingUid() {
    }

    static Void stash(String uid) {
        PENDING.set(uid);
        return null;
    }

    static String peek() {
        return PENDING.get();
    }

    static String take() {
        String uid = PENDING.get();
        PENDING.remove();
        return uid;
    }
}
