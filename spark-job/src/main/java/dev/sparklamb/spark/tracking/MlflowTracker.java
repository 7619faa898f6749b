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
 * artifacts and {@code runs/update} with the end status. Each request is tried {@value #ATTEMPTS} times with
 * exponential backoff; the first failure is logged (a warning), later ones only counted. If the run cannot be
 * created, tracking stops for this run. The step-metric queue holds at most {@code queue-capacity} values and drops
 * the oldest beyond (one warning).
 */
final class MlflowTracker implements RunTracking, Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(MlflowTracker.class);
    /** MLflow's runs/log-batch limits (REST API reference: 1000 metrics, 100 params, 1000 entities in all). */
    static final int MAX_METRICS = 1000;
    static final int MAX_PARAMS = 100;
    /** MLflow's limits on a param's key and value length. */
    static final int MAX_PARAM_KEY = 250;
    static final int MAX_PARAM_VALUE = 6000;
    static final int ATTEMPTS = 3;
    private static final long BACKOFF_MILLIS = 200;
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
    private final AtomicInteger failures = new AtomicInteger();
    private final AtomicLong dropped = new AtomicLong();
    private volatile boolean off;
    private boolean closed;

    private MlflowTracker(MlflowTarget target, MlflowSettings settings, ResolvedConfiguration resolved, boolean resume,
                          String checkpointDir, String outputUri, Configuration hadoop) {
        this.target = target;
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
        flatten("", m.toMap(), m.step(), now, points);
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
        if (failures.get() > 0 || dropped.get() > 0) {
            LOG.info("MLflow tracking at {}: {} request(s) failed, {} metric value(s) dropped", target, failures.get(), dropped.get());
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
                send("logging step metrics", () -> client.logBatch(runId, b, Map.of()));
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
        Optional<MlflowRunRecord> created = attempt("creating the MLflow run", () -> {
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
            failure("recording the MLflow run id in " + checkpointDir + " (a --resume will start a new MLflow run)", e);
        }
        List<Map<String, String>> chunks = paramChunks(resolved.values());
        for (Map<String, String> chunk : chunks) {
            send("logging the configuration as params", () -> client.logBatch(run.runId(), List.of(), chunk));
        }
        return created;
    }

    /** The configuration's keys and values, cut to MLflow's lengths, in calls of at most {@value #MAX_PARAMS}. */
    static List<Map<String, String>> paramChunks(Map<String, String> values) {
        List<Map<String, String>> chunks = new ArrayList<>();
        Map<String, String> chunk = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : values.entrySet()) {
            String key = e.getKey().length() > MAX_PARAM_KEY ? e.getKey().substring(0, MAX_PARAM_KEY) : e.getKey();
            String value = e.getValue().length() > MAX_PARAM_VALUE ? e.getValue().substring(0, MAX_PARAM_VALUE - 3) + "..." : e.getValue();
            chunk.put(key, value);
            if (chunk.size() == MAX_PARAMS) {
                chunks.add(chunk);
                chunk = new LinkedHashMap<>();
            }
        }
        if (!chunk.isEmpty()) {
            chunks.add(chunk);
        }
        return chunks;
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
            flatten("summary.", s, step, System.currentTimeMillis(), points);
            for (int from = 0; from < points.size(); from += MAX_METRICS) {
                List<MetricPoint> b = points.subList(from, Math.min(points.size(), from + MAX_METRICS));
                send("logging the final metrics", () -> client.logBatch(run.runId(), b, Map.of()));
            }
            uploadArtifacts(run);
        }
        send("ending the MLflow run (" + endStatus + ")", () -> client.updateRun(run.runId(), endStatus, System.currentTimeMillis()));
    }

    private void uploadArtifacts(MlflowRunRecord run) throws InterruptedException {
        Optional<String> proxied = proxiedPath(run.artifactUri());
        if (proxied.isEmpty()) {
            LOG.warn("MLflow run {} keeps its artifacts at '{}', not behind the server's artifact proxy (mlflow-artifacts:): {} and {} "
                    + "were not uploaded; they are in {}", run.runId(), run.artifactUri(), RunOutput.MODEL, RunOutput.SUMMARY, outputUri);
            return;
        }
        for (String name : List.of(RunOutput.MODEL, RunOutput.SUMMARY)) {
            String where = new Path(outputUri, name).toString();
            Optional<Object> done = attempt("uploading " + name, () -> {
                client.uploadArtifact(proxied.get() + "/" + name, HadoopFiles.readAll(where, hadoop));
                return Boolean.TRUE;
            });
            if (done.isEmpty()) {
                LOG.warn("{} was not uploaded to MLflow run {}; it is at {}", name, run.runId(), where);
            }
        }
    }

    /**
     * The path under {@link MlflowClient#ARTIFACTS} for an artifact URI of the artifact proxy
     * ({@code mlflow-artifacts:/1/<run>/artifacts} or {@code mlflow-artifacts://host:port/1/<run>/artifacts}); empty for
     * any other store (s3:, dbfs:, file: ...), which this client does not write.
     */
    static Optional<String> proxiedPath(String artifactUri) {
        String prefix = "mlflow-artifacts:";
        if (!artifactUri.startsWith(prefix)) {
            return Optional.empty();
        }
        String rest = artifactUri.substring(prefix.length());
        if (rest.startsWith("//")) {
            int slash = rest.indexOf('/', 2);
            rest = slash < 0 ? "" : rest.substring(slash);
        }
        while (rest.startsWith("/")) {
            rest = rest.substring(1);
        }
        while (rest.endsWith("/")) {
            rest = rest.substring(0, rest.length() - 1);
        }
        return rest.isEmpty() ? Optional.empty() : Optional.of(rest);
    }

    /** Numbers (and booleans as 0/1) of {@code map}, nested maps as {@code parent.child}; nulls and strings left out. */
    static void flatten(String prefix, Map<String, ?> map, long step, long timestamp, List<MetricPoint> out) {
        for (Map.Entry<String, ?> e : map.entrySet()) {
            Object v = e.getValue();
            String key = prefix + e.getKey();
            if (v instanceof Number n && Double.isFinite(n.doubleValue())) {
                out.add(new MetricPoint(key, n.doubleValue(), step, timestamp));
            } else if (v instanceof Boolean b) {
                out.add(new MetricPoint(key, b ? 1 : 0, step, timestamp));
            } else if (v instanceof Map<?, ?> nested) {
                @SuppressWarnings("unchecked")
                Map<String, ?> m = (Map<String, ?>) nested;
                flatten(key + ".", m, step, timestamp, out);
            }
        }
    }

    /** A request that may fail: tried up to {@value #ATTEMPTS} times unless the server refuses it (4xx). */
    @FunctionalInterface
    interface Call<T> {
        T call() throws IOException, InterruptedException;
    }

    /** A request without an answer. */
    @FunctionalInterface
    interface VoidCall {
        void call() throws IOException, InterruptedException;
    }

    private void send(String what, VoidCall call) throws InterruptedException {
        attempt(what, () -> {
            call.call();
            return Boolean.TRUE;
        });
    }

    private <T> Optional<T> attempt(String what, Call<T> call) throws InterruptedException {
        IOException last = null;
        for (int i = 0; i < ATTEMPTS; i++) {
            if (i > 0) {
                Thread.sleep(BACKOFF_MILLIS << (i - 1));
            }
            try {
                return Optional.of(call.call());
            } catch (MlflowException e) {
                last = e;
                if (!e.retryable()) {
                    break;
                }
            } catch (IOException | RuntimeException e) {
                last = e instanceof IOException io ? io : new IOException(e.toString(), e);
            }
        }
        failure(what, last);
        return Optional.empty();
    }

    /** The first failure is a warning; later ones are counted (and reported at the end). */
    private void failure(String what, Exception e) {
        if (failures.getAndIncrement() == 0) {
            LOG.warn("MLflow tracking at {}: {} failed ({}); training goes on, later tracking failures are only counted", target, what,
                    e == null ? "?" : e.getMessage());
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
