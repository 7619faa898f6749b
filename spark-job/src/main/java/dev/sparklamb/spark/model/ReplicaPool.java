package dev.sparklamb.spark.model;

import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Function;

/**
 * The executor-resident replicas: networks are built once per JVM (one per concurrently running task) and reused
 * by every later step; only parameter vectors travel. A task borrows a replica and returns it when done.
 */
public final class ReplicaPool {

    private static final Map<String, Queue<Replica>> IDLE = new ConcurrentHashMap<>();
    private static final Map<String, Integer> BUILT = new ConcurrentHashMap<>();

    private ReplicaPool() {
    }

    /** Runs {@code work} with a replica of {@code spec}, building one only if none is idle in this JVM. */
    public static <T> T withReplica(ModelSpec spec, Function<Replica, T> work) {
        Queue<Replica> idle = IDLE.computeIfAbsent(spec.key(), k -> new ConcurrentLinkedQueue<>());
        Replica replica = idle.poll();
        if (replica == null) {
            replica = spec.build();
            BUILT.merge(spec.key(), 1, Integer::sum);
        }
        T result;
        try {
            result = work.apply(replica);
        } catch (RuntimeException | Error e) {
            // a replica that failed half-way (e.g. mid-fit) is dropped, not reused
            throw e;
        }
        idle.add(replica);
        return result;
    }

    /** How many replicas of {@code spec} this JVM has built so far (for tests and logs). */
    public static int built(ModelSpec spec) {
        return BUILT.getOrDefault(spec.key(), 0);
    }
}
