package dev.sparklamb.spark.allreduce;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.SparkContext;
import org.apache.spark.executor.ShuffleReadMetrics;
import org.apache.spark.executor.TaskMetrics;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobEnd;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerTaskEnd;

/**
 * Per-step communication from Spark's task metrics, through the public {@link SparkListener} API. The driver tags
 * the jobs of a step with a local property ({@link #begin}); the listener attributes every task of those jobs to the
 * step; {@link #collect} waits (briefly) until Spark's listener bus has delivered the end of every tagged job.
 * A local property, not a job group, so a notebook's own job group is left alone.
 */
public final class CommunicationMeter extends SparkListener implements AutoCloseable {

    /** The local property carrying the step tag. */
    public static final String PROPERTY = "spark-lamb.step";

    private static final long WAIT_MILLIS = 5_000;

    private final SparkContext sc;
    private final String runTag = Long.toHexString(new java.util.Random().nextLong());
    private final Map<Integer, String> stageTags = new ConcurrentHashMap<>();
    private final Map<String, Tally> tallies = new ConcurrentHashMap<>();

    private static final class Tally {
        int jobsStarted;
        int jobsEnded;
        long resultBytes;
        final Map<String, long[]> executors = new TreeMap<>(); // {remote read, local read, written, results}
    }

    public CommunicationMeter(SparkContext sc) {
        this.sc = sc;
        sc.addSparkListener(this);
    }

    /** Tags the jobs the calling thread submits from now on as step {@code step}; returns the tag. */
    public String begin(long step) {
        String tag = runTag + "-" + step;
        tallies.put(tag, new Tally());
        sc.setLocalProperty(PROPERTY, tag);
        return tag;
    }

    /** Stops tagging (jobs submitted after this, e.g. evaluation, are not counted). */
    public void end() {
        sc.setLocalProperty(PROPERTY, null);
    }

    /**
     * The traffic of the step tagged {@code tag}; its jobs must have finished.
     *
     * @param broadcastBytes size of the parameter broadcast of the step (0 when none)
     */
    public Communication collect(String tag, long broadcastBytes) {
        Tally t = tallies.get(tag);
        if (t == null) {
            throw new IllegalArgumentException("unknown step tag " + tag);
        }
        long deadline = System.currentTimeMillis() + WAIT_MILLIS;
        boolean complete;
        synchronized (t) {
            while (!(complete = t.jobsStarted > 0 && t.jobsEnded == t.jobsStarted) && System.currentTimeMillis() < deadline) {
                try {
                    t.wait(50);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            tallies.remove(tag);
            Map<String, long[]> perExecutor = new TreeMap<>();
            t.executors.forEach((id, a) -> perExecutor.put(id, new long[] {a[0] + broadcastBytes, Math.max(0, a[2] - a[1]) + a[3]}));
            return new Communication(t.resultBytes, broadcastBytes * t.executors.size(), broadcastBytes, perExecutor, complete);
        }
    }

    @Override
    public void onJobStart(SparkListenerJobStart event) {
        String tag = event.properties() == null ? null : event.properties().getProperty(PROPERTY);
        Tally t = tag == null ? null : tallies.get(tag);
        if (t == null) {
            return;
        }
        synchronized (t) {
            t.jobsStarted++;
        }
        scala.collection.Iterator<Object> it = event.stageIds().iterator();
        while (it.hasNext()) {
            stageTags.put((Integer) it.next(), tag);
        }
        jobTags.put(event.jobId(), tag);
    }

    private final Map<Integer, String> jobTags = new HashMap<>();

    @Override
    public void onJobEnd(SparkListenerJobEnd event) {
        String tag = jobTags.remove(event.jobId());
        Tally t = tag == null ? null : tallies.get(tag);
        if (t != null) {
            synchronized (t) {
                t.jobsEnded++;
                t.notifyAll();
            }
        }
    }

    @Override
    public void onTaskEnd(SparkListenerTaskEnd event) {
        String tag = stageTags.get(event.stageId());
        Tally t = tag == null ? null : tallies.get(tag);
        TaskMetrics m = event.taskMetrics();
        if (t == null || m == null) {
            return;
        }
        ShuffleReadMetrics read = m.shuffleReadMetrics();
        synchronized (t) {
            long[] a = t.executors.computeIfAbsent(event.taskInfo().executorId(), k -> new long[4]);
            a[0] += read.remoteBytesRead();
            a[1] += read.localBytesRead();
            a[2] += m.shuffleWriteMetrics().bytesWritten();
            a[3] += m.resultSize();
            t.resultBytes += m.resultSize();
        }
    }

    @Override
    public void close() {
        sc.removeSparkListener(this);
    }
}
