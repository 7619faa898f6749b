package dev.sparklamb.spark.allreduce;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Bytes one step moved, from Spark's own task metrics (shuffle read/write, task result sizes) plus the size of the
 * parameter broadcast (Spark reports no per-task broadcast traffic).
 *
 * <ul>
 *   <li>{@code driverInBytes}: task results sent to the driver;</li>
 *   <li>{@code driverOutBytes}: the broadcast payload times the executors that ran tasks (an upper bound: Spark's
 *       torrent broadcast lets executors fetch pieces from each other); task descriptions are not counted;</li>
 *   <li>per executor, {@code in} = shuffle bytes fetched from other executors + the broadcast payload (when there is
 *       one), and {@code out} = shuffle bytes written that other executors fetched (written minus read back
 *       locally) + its task results.</li>
 * </ul>
 *
 * @param complete false when Spark's listener events for the step had not all arrived in time (numbers too low)
 */
public record Communication(long driverInBytes, long driverOutBytes, long broadcastBytes, Map<String, long[]> executors,
                            boolean complete) implements Serializable {

    /** Largest bytes in over executors. */
    public long maxExecutorIn() {
        return executors.values().stream().mapToLong(a -> a[0]).max().orElse(0);
    }

    /** Largest bytes out over executors. */
    public long maxExecutorOut() {
        return executors.values().stream().mapToLong(a -> a[1]).max().orElse(0);
    }

    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("driverInBytes", driverInBytes);
        m.put("driverOutBytes", driverOutBytes);
        m.put("broadcastBytes", broadcastBytes);
        m.put("maxExecutorInBytes", maxExecutorIn());
        m.put("maxExecutorOutBytes", maxExecutorOut());
        Map<String, Object> perExecutor = new LinkedHashMap<>();
        executors.forEach((id, a) -> perExecutor.put(id, Map.of("in", a[0], "out", a[1])));
        m.put("executors", perExecutor);
        m.put("complete", complete);
        return m;
    }
}
