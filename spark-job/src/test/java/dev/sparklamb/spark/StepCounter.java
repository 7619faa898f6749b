package dev.sparklamb.spark;

import dev.sparklamb.spark.allreduce.CommunicationMeter;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.spark.SparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerStageSubmitted;

/**
 * Spark jobs started and stages run per training step (0-based), attributed by the step tag the engines put on their
 * jobs ({@link CommunicationMeter#PROPERTY}); registered on {@code sc} until closed. Counts, not times.
 */
public final class StepCounter extends SparkListener implements AutoCloseable {

    private final SparkContext sc;
    private final Map<Long, int[]> perStep = new TreeMap<>();

    public StepCounter(SparkContext sc) {
        this.sc = sc;
        sc.addSparkListener(this);
    }

    private synchronized void count(Properties properties, int what) {
        String tag = properties == null ? null : properties.getProperty(CommunicationMeter.PROPERTY);
        if (tag != null) {
            perStep.computeIfAbsent(Long.parseLong(tag.substring(tag.lastIndexOf('-') + 1)), k -> new int[2])[what]++;
        }
    }

    @Override
    public void onJobStart(SparkListenerJobStart event) {
        count(event.properties(), 0);
    }

    @Override
    public void onStageSubmitted(SparkListenerStageSubmitted event) {
        count(event.properties(), 1);
    }

    /** Per step: {jobs, stages}, once Spark's listener bus has delivered every event posted so far. */
    public Map<Long, int[]> counts() throws java.util.concurrent.TimeoutException {
        sc.listenerBus().waitUntilEmpty();
        synchronized (this) {
            Map<Long, int[]> copy = new TreeMap<>();
            perStep.forEach((k, v) -> copy.put(k, v.clone()));
            return copy;
        }
    }

    /** Forgets the counts so far (e.g. between runs whose step numbers repeat). */
    public synchronized void clear() {
        perStep.clear();
    }

    @Override
    public void close() {
        sc.removeSparkListener(this);
    }
}
