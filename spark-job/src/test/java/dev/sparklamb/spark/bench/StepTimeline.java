package dev.sparklamb.spark.bench;

import dev.sparklamb.spark.allreduce.CommunicationMeter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.SparkContext;
import org.apache.spark.executor.TaskMetrics;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobEnd;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.TaskInfo;

/**
 * Where a step's time goes in Spark, from the listener events of the jobs a step tags ({@link CommunicationMeter#PROPERTY}):
 * job start and end (driver clock), and per task its launch and finish on the driver and the executor's own metrics
 * (task deserialization, which includes fetching the stage's task binary broadcast; run time; result serialization).
 * All times in milliseconds since the epoch, as Spark reports them.
 */
final class StepTimeline extends SparkListener implements AutoCloseable {

    /** One task as Spark saw it. */
    record Task(int stage, String executor, long launch, long finish, long gettingResult, long deserialize, long run, long serialize,
                long gc, long resultBytes) {

        /** Driver-measured duration minus what the executor accounted for: launch message, result transfer and its deserialization. */
        long schedulerDelay() {
            long fetch = gettingResult > 0 ? finish - gettingResult : 0;
            return Math.max(0, finish - launch - deserialize - run - serialize - fetch);
        }
    }

    /** One job of a step. */
    static final class Job {
        long start;
        long end;
        final List<Task> tasks = new ArrayList<>();
    }

    private final SparkContext sc;
    private final Map<Long, List<Job>> perStep = new TreeMap<>();
    private final Map<Integer, Job> jobs = new java.util.HashMap<>();
    private final Map<Integer, Job> stageJobs = new java.util.HashMap<>();

    StepTimeline(SparkContext sc) {
        this.sc = sc;
        sc.addSparkListener(this);
    }

    @Override
    public synchronized void onJobStart(SparkListenerJobStart event) {
        String tag = event.properties() == null ? null : event.properties().getProperty(CommunicationMeter.PROPERTY);
        if (tag == null) {
            return;
        }
        Job j = new Job();
        j.start = event.time();
        perStep.computeIfAbsent(Long.parseLong(tag.substring(tag.lastIndexOf('-') + 1)), k -> new ArrayList<>()).add(j);
        jobs.put(event.jobId(), j);
        scala.collection.Iterator<Object> it = event.stageIds().iterator();
        while (it.hasNext()) {
            stageJobs.put((Integer) it.next(), j);
        }
    }

    @Override
    public synchronized void onJobEnd(SparkListenerJobEnd event) {
        Job j = jobs.remove(event.jobId());
        if (j != null) {
            j.end = event.time();
        }
    }

    @Override
    public synchronized void onTaskEnd(SparkListenerTaskEnd event) {
        Job j = stageJobs.get(event.stageId());
        TaskMetrics m = event.taskMetrics();
        if (j == null || m == null) {
            return;
        }
        TaskInfo i = event.taskInfo();
        j.tasks.add(new Task(event.stageId(), i.executorId(), i.launchTime(), i.finishTime(), i.gettingResultTime(), m.executorDeserializeTime(),
                m.executorRunTime(), m.resultSerializationTime(), m.jvmGCTime(), m.resultSize()));
    }

    /** The jobs of {@code step}, once the listener bus has delivered every event posted so far. */
    List<Job> jobs(long step) throws java.util.concurrent.TimeoutException {
        sc.listenerBus().waitUntilEmpty();
        synchronized (this) {
            return new ArrayList<>(perStep.getOrDefault(step, List.of()));
        }
    }

    synchronized void clear() {
        perStep.clear();
    }

    @Override
    public void close() {
        sc.removeSparkListener(this);
    }
}
