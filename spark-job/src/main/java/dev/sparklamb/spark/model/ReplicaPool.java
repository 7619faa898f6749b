package dev.sparklamb.spark.model;

import dev.sparklamb.spark.device.ExecutorDevice;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Function;

/**
 * The executor-resident replicas: networks are built once per JVM (one per concurrently running task) and reused
 * by every later step; only parameter vectors travel. A task borrows a replica and returns it when done.
 * Before that, the task's thread is put on its device ({@link ExecutorDevice}, from {@link ModelSpec#device()}), and
 * replicas are kept per device: a replica's arrays live on the device it was built on.
 */
public final class ReplicaPool {

    private static final Map<String, Queue<Replica>> IDLE = new ConcurrentHashMap<>();
    private static final Map<String, Integer> BUILT = new ConcurrentHashMap<>();

    private ReplicaPool() {
    }

    /**
     * Runs {@code work} with a replica of {@code spec} on this task's device, building one only if none is idle in this
     * JVM for that device.
     */
    public static <T> T withReplica(ModelSpec spec, Function<Replica, T> work) {
        int device = ExecutorDevice.prepare(spec.device());
        Queue<Replica> idle = IDLE.computeIfAbsent(spec.key() + "@device" + device, k -> new ConcurrentLinkedQueue<>());
        Replica replica = idle.poll();
        if (replica == null) {
            replica = spec.buildReplica();
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
