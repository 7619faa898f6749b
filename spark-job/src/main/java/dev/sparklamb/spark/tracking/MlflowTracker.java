package dev.sparklamb.spark.tracking;

import dev.sparklamb.spark.config.MlflowSettings;
import dev.sparklamb.spark.config.ResolvedConfiguration;
import dev.sparklamb.spark.io.HadoopFiles;
import dev.sparklamb.spark.output.RunOutput;
import dev.sparklamb.spark.output.StepMetrics;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.util.ShutdownHookManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tracks one training run in MLflow from a background daemon thread, so the training never waits for the server.
 * The thread finds or creates the experiment and the run (or continues the run recorded by {@link MlflowRunRecord}
 * on resume), logs the resolved configuration as params, then sends the queued step metrics in
 * {@code runs/log-batch} calls of at most {@value #MAX_METRICS} metrics; at the end the summary's numbers, the
 * artifacts and {@code runs/update} with the end status. Each request is tried {@value Attempts#ATTEMPTS} times with
 * exponential backoff; the first failure is logged (a warning), later ones only counted. If the run cannot be
 * created, tracking stops for this run. The step-metric queue holds at most {@code queue-capacity} values and drops
 * the oldest beyond (one warning).
 */
final class MlflowTracker implements RunTracking, Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(MlflowTracker.class);
    private static final int MAX_METRICS = MlflowPayloads.MAX_METRICS;
    private static final int SHUTDOWN_PRIORITY = 40;
    private static final long SHUTDOWN_WAIT_MILLIS = 10_000;

    private final MlflowTarget target;
    private final MlflowClient client;
    private final MlflowSettings settings;
    private final ResolvedConfiguration resolved;
    private final boolean resume;
    private final String checkpointDir;
    private final String outputUri;
    private final Configuration hadoop;
    private final Thread worker;
    private final Runnable shutdownHook = this::killed;

    private final ArrayDeque<MetricPoint> queue = new ArrayDeque<>();
    private boolean closing;
    private String status;
    private Map<String, Object> summary;
    private boolean queueFullWarned;
    private final Attempts attempts;
    private final AtomicLong dropped = new AtomicLong();
    private volatile boolean off;
    private boolean closed;

    private MlflowTracker(MlflowTarget target, MlflowSettings settings, ResolvedConfiguration resolved, boolean resume,
                          String checkpointDir, String outputUri, Configuration hadoop) {
        this.target = target;
        this.attempts = new Attempts(target);
        this.client = new MlflowClient(target, Duration.ofSeconds(10));
        this.settings = settings;
        this.resolved = resolved;
        this.resume = resume;
        this.checkpointDir = checkpointDir;
        this.outputUri = outputUri;
        this.hadoop = hadoop;
        this.worker = new Thread(this, "spark-lamb-mlflow");
        worker.setDaemon(true);
    }

    static MlflowTracker start(MlflowTarget target, MlflowSettings settings, ResolvedConfiguration resolved, boolean resume,
                               String checkpointDir, String outputUri, Configuration hadoop) {
        MlflowTracker t = new MlflowTracker(target, settings, resolved, resume, checkpointDir, outputUri, hadoop);
        LOG.info("tracking this run in MLflow at {}", target);
        t.worker.start();
        ShutdownHookManager.get().addShutdownHook(t.shutdownHook, SHUTDOWN_PRIORITY);
        return t;
    }

    @Override
    public void stepDone(StepMetrics m) {
        if (off) {
            return;
        }
        long now = System.currentTimeMillis();
        List<MetricPoint> points = new ArrayList<>();
        MlflowPayloads.flatten("", m.toMap(), m.step(), now, points);
        synchronized (this) {
            for (MetricPoint p : points) {
                if (queue.size() >= settings.queueCapacity()) {
                    queue.pollFirst();
                    dropped.incrementAndGet();
                    if (!queueFullWarned) {
                        queueFullWarned = true;
                        LOG.warn("MLflow tracking queue is full ({} values, spark-lamb.tracking.mlflow.queue-capacity): dropping the "
                                + "oldest step metrics; metrics.jsonl has them all", settings.queueCapacity());
                    }
                }
                queue.addLast(p);
            }
            notifyAll();
        }
    }

    @Override
    public synchronized void completed(Map<String, Object> runSummary) {
        summary = runSummary;
        status = "FINISHED";
    }

    @Override
    public synchronized void failed(Throwable error) {
        status = interrupted(error) ? "KILLED" : "FAILED";
    }

    /** The JVM is going down (SIGTERM): end the run as KILLED unless it already ended. */
    private void killed() {
        synchronized (this) {
            if (status == null) {
                status = "KILLED";
            }
        }
        close(Math.min(SHUTDOWN_WAIT_MILLIS, settings.flushTimeoutSeconds() * 1000L));
    }

    @Override
    public void close() {
        close(settings.flushTimeoutSeconds() * 1000L);
        try {
            ShutdownHookManager.get().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shuttingDown) {
            // called while the JVM shuts down
        }
    }

    private void close(long waitMillis) {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            closing = true;
            if (status == null) {
                status = "FAILED";
            }
            notifyAll();
        }
        try {
            worker.join(Math.max(1, waitMillis));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (worker.isAlive()) {
            worker.interrupt();
            int left;
            synchronized (this) {
                left = queue.size();
            }
            LOG.warn("MLflow tracking did not finish within {} s (spark-lamb.tracking.mlflow.flush-timeout-seconds); {} metric values "
                    + "and possibly the end status were not sent", waitMillis / 1000.0, left);
        }
        if (attempts.failures() > 0 || dropped.get() > 0) {
            LOG.info("MLflow tracking at {}: {} request(s) failed, {} metric value(s) dropped", target, attempts.failures(), dropped.get());
        }
    }

    @Override
    public void run() {
        try {
            Optional<MlflowRunRecord> run = setUp();
            if (run.isEmpty()) {
                off = true;
                synchronized (this) {
                    queue.clear();
                }
                return;
            }
            String runId = run.get().runId();
            List<MetricPoint> batch;
            while ((batch = nextBatch()) != null) {
                List<MetricPoint> b = batch;
                attempts.send("logging step metrics", () -> client.logBatch(runId, b, Map.of()));
            }
            finish(run.get());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The MLflow run: the recorded one on resume, else a new one (experiment found or created, params logged). */
    private Optional<MlflowRunRecord> setUp() throws InterruptedException {
        if (resume) {
            try {
                Optional<MlflowRunRecord> recorded = MlflowRunRecord.read(checkpointDir, hadoop);
                if (recorded.isPresent()) {
                    LOG.info("continuing MLflow run {} (recorded in {})", recorded.get().runId(), new Path(checkpointDir, MlflowRunRecord.FILE));
                    return recorded;
                }
            } catch (IOException e) {
                LOG.warn("cannot read {} ({}); starting a new MLflow run", new Path(checkpointDir, MlflowRunRecord.FILE), e.toString());
            }
        }
        Optional<MlflowRunRecord> created = attempts.attempt("creating the MLflow run", () -> {
            String experimentId = client.experimentIdByName(target.experiment()).orElse(null);
            if (experimentId == null) {
                try {
                    experimentId = client.createExperiment(target.experiment());
                } catch (MlflowException e) {
                    if (!"RESOURCE_ALREADY_EXISTS".equals(e.errorCode())) {
                        throw e;
                    }
                    experimentId = client.experimentIdByName(target.experiment()).orElseThrow(() -> e);
                }
            }
            MlflowClient.CreatedRun r = client.createRun(experimentId, new Path(outputUri).getName(), System.currentTimeMillis());
            return new MlflowRunRecord(r.runId(), r.experimentId(), r.artifactUri());
        });
        if (created.isEmpty()) {
            return created;
        }
        MlflowRunRecord run = created.get();
        LOG.info("MLflow run {} in experiment {} ('{}')", run.runId(), run.experimentId(), target.experiment());
        try {
            run.write(checkpointDir, hadoop);
        } catch (IOException e) {
            attempts.failure("recording the MLflow run id in " + checkpointDir + " (a --resume will start a new MLflow run)", e);
        }
        List<Map<String, String>> chunks = MlflowPayloads.paramChunks(resolved.values());
        for (Map<String, String> chunk : chunks) {
            attempts.send("logging the configuration as params", () -> client.logBatch(run.runId(), List.of(), chunk));
        }
        return created;
    }

    /** Up to {@value #MAX_METRICS} queued metrics; waits for some; null when closing and nothing is left. */
    private synchronized List<MetricPoint> nextBatch() throws InterruptedException {
        while (queue.isEmpty() && !closing) {
            wait();
        }
        if (queue.isEmpty()) {
            return null;
        }
        List<MetricPoint> batch = new ArrayList<>();
        while (!queue.isEmpty() && batch.size() < MAX_METRICS) {
            batch.add(queue.pollFirst());
        }
        return batch;
    }

    /** The summary's numbers as metrics, the artifacts, and the end status. */
    private void finish(MlflowRunRecord run) throws InterruptedException {
        String endStatus;
        Map<String, Object> s;
        synchronized (this) {
            endStatus = status;
            s = summary;
        }
        if (s != null && !s.isEmpty()) {
            List<MetricPoint> points = new ArrayList<>();
            long step = s.get("steps") instanceof Number n ? n.longValue() : 0;
            MlflowPayloads.flatten("summary.", s, step, System.currentTimeMillis(), points);
            for (int from = 0; from < points.size(); from += MAX_METRICS) {
                List<MetricPoint> b = points.subList(from, Math.min(points.size(), from + MAX_METRICS));
                attempts.send("logging the final metrics", () -> client.logBatch(run.runId(), b, Map.of()));
            }
            uploadArtifacts(run);
        }
        attempts.send("ending the MLflow run (" + endStatus + ")", () -> client.updateRun(run.runId(), endStatus, System.currentTimeMillis()));
    }

    private void uploadArtifacts(MlflowRunRecord run) throws InterruptedException {
        Optional<String> proxied = MlflowPayloads.proxiedPath(run.artifactUri());
        if (proxied.isEmpty()) {
            LOG.warn("MLflow run {} keeps its artifacts at '{}', not behind the server's artifact proxy (mlflow-artifacts:): {} and {} "
                    + "were not uploaded; they are in {}", run.runId(), run.artifactUri(), RunOutput.MODEL, RunOutput.SUMMARY, outputUri);
            return;
        }
        for (String name : List.of(RunOutput.MODEL, RunOutput.SUMMARY)) {
            String where = new Path(outputUri, name).toString();
            Optional<Object> done = attempts.attempt("uploading " + name, () -> {
                client.uploadArtifact(proxied.get() + "/" + name, HadoopFiles.readAll(where, hadoop));
                return Boolean.TRUE;
            });
            if (done.isEmpty()) {
                LOG.warn("{} was not uploaded to MLflow run {}; it is at {}", name, run.runId(), where);
            }
        }
    }

    private static boolean interrupted(Throwable error) {
        if (Thread.currentThread().isInterrupted()) {
            return true;
        }
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof InterruptedException || t instanceof java.io.InterruptedIOException) {
                return true;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return false;
    }
}
