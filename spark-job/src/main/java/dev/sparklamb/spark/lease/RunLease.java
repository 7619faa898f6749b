package dev.sparklamb.spark.lease;

import dev.sparklamb.spark.config.ConfigurationException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.util.ShutdownHookManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A run's exclusive claim on its output directory, so that two runs (say, a scheduler's retry and the original, both
 * with {@code --resume}) never write the same metrics, checkpoints and model. It is held from before the run writes
 * anything until it ends: {@link #acquire} fails with {@link LeaseHeldException} while another run's lease is live,
 * a daemon thread renews it every third of the timeout, and {@link #close} (also called from a shutdown hook, so on
 * SIGTERM) marks it released. A lease not renewed within its timeout (the holder crashed or was killed) is stale and is
 * taken over with a warning. If the holder finds at a renewal that another run has taken the lease over, or cannot
 * renew it before it expires, {@link #requireHeld} fails from then on, and the run stops before its next write.
 *
 * <p>The state lives in {@link LeaseFiles}: every change (acquire, renew, release, take over) creates the next
 * generation with create-if-absent, so exactly one of two competing runs wins it.
 */
public final class RunLease implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RunLease.class);
    /** Before Hadoop closes its file systems at shutdown (it uses {@link FileSystem#SHUTDOWN_HOOK_PRIORITY}). */
    private static final int SHUTDOWN_PRIORITY = FileSystem.SHUTDOWN_HOOK_PRIORITY + 20;
    private static final int ATTEMPTS = 20;

    private final LeaseFiles files;
    private final Duration timeout;
    private final Clock clock;
    private final String owner = UUID.randomUUID().toString();
    private final String holder = holderName();
    private final ScheduledExecutorService renewer;
    private final Runnable shutdownHook = this::close;
    private long generation;
    private long expiresAtMillis;
    private volatile String lost;
    private boolean closed;

    private RunLease(LeaseFiles files, Duration timeout, Clock clock) {
        this.files = files;
        this.timeout = timeout;
        this.clock = clock;
        this.renewer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "spark-lamb-lease-renewer");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Fails with {@link LeaseHeldException} if another run holds a live lease on {@code directory}; writes nothing. A
     * quick check before the expensive preparation of a run; {@link #acquire} decides.
     */
    public static void requireFree(String directory, Configuration hadoop, Clock clock) {
        try (LeaseFiles files = new LeaseFiles(directory, hadoop)) {
            Optional<Long> newest = files.newest();
            if (newest.isPresent()) {
                Optional<LeaseRecord> current = readSettled(files, newest.get(), Duration.ZERO, clock);
                if (current.isPresent() && current.get().liveAt(clock.millis())) {
                    throw held(files.directory(), current.get());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("reading the run lease in " + directory, e);
        }
    }

    /**
     * Takes the lease on {@code directory} (creating the directory if needed), taking over a stale one with a warning.
     *
     * @throws LeaseHeldException when another run holds a live lease
     */
    public static RunLease acquire(String directory, Configuration hadoop, Duration timeout, Clock clock) {
        LeaseFiles files;
        try {
            files = new LeaseFiles(directory, hadoop);
        } catch (IOException e) {
            throw cannotWrite(directory, e);
        }
        RunLease lease = new RunLease(files, timeout, clock);
        try {
            lease.take();
        } catch (IOException | RuntimeException e) {
            lease.closeQuietly();
            if (e instanceof IOException io) {
                throw cannotWrite(directory, io);
            }
            throw (RuntimeException) e;
        }
        long period = Math.max(1, timeout.toMillis() / 3);
        lease.renewer.scheduleWithFixedDelay(lease::renewQuietly, period, period, TimeUnit.MILLISECONDS);
        ShutdownHookManager.get().addShutdownHook(lease.shutdownHook, SHUTDOWN_PRIORITY);
        return lease;
    }

    /** The lease is the first thing a run writes: failing to write it is what RunOutput reports for the directory. */
    private static ConfigurationException cannotWrite(String directory, IOException e) {
        return new ConfigurationException("spark-lamb.output: cannot write to '" + directory + "' (taking the run lease): "
                + e.getMessage(), e);
    }

    private void take() throws IOException {
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            Optional<Long> newest = files.newest();
            long next = newest.map(g -> g + 1).orElse(1L);
            Optional<LeaseRecord> previous = Optional.empty();
            if (newest.isPresent()) {
                previous = readSettled(files, newest.get(), timeout, clock);
                if (previous.isEmpty()) {
                    continue; // replaced meanwhile: look again
                }
                if (previous.get().liveAt(clock.millis())) {
                    throw held(files.directory(), previous.get());
                }
            }
            long now = clock.millis();
            LeaseRecord mine = new LeaseRecord(owner, holder, next, now, now + timeout.toMillis(), false);
            if (files.createIfAbsent(next, mine.format()) && isMine(next)) {
                Optional<Long> after = files.newest();
                if (after.isPresent() && after.get() > next) {
                    // The listing above missed newer generations: one was created and the older ones deleted while
                    // the directory was being listed (a listing is not a snapshot). Ours is stale: withdraw it, look again.
                    files.delete(next);
                    continue;
                }
                generation = next;
                expiresAtMillis = mine.expiresAtMillis();
                if (previous.isPresent() && !previous.get().released()) {
                    LOG.warn("taking over the stale run lease on {}: its holder {} did not renew it within its timeout "
                            + "(crashed or killed?)", files.directory(), previous.get().describe());
                }
                files.deleteOlderThan(next);
                LOG.info("holding the run lease on {} (generation {}, timeout {} s)", files.directory(), next, timeout.toSeconds());
                return;
            }
            // another run created that generation first: look again
        }
        throw new LeaseHeldException("spark-lamb.output: could not take the run lease on " + files.directory() + " in " + ATTEMPTS
                + " attempts: other runs keep changing it (nothing was changed)");
    }

    /** Reads back a generation and checks that it is this run's (object stores without atomic create-if-absent). */
    private boolean isMine(long gen) throws IOException {
        return files.read(gen).flatMap(LeaseRecord::parse).map(r -> r.owner().equals(owner)).orElse(false);
    }

    /**
     * The record of a generation. A file that does not parse yet (being written by another run) is read again a few
     * times; if it still does not, it counts as live until {@code timeout} after its modification time.
     */
    private static Optional<LeaseRecord> readSettled(LeaseFiles files, long gen, Duration timeout, Clock clock) throws IOException {
        for (int i = 0; i < 5; i++) {
            Optional<byte[]> bytes = files.read(gen);
            if (bytes.isEmpty()) {
                return Optional.empty();
            }
            Optional<LeaseRecord> r = LeaseRecord.parse(bytes.get());
            if (r.isPresent()) {
                return r;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        Optional<Long> modified = files.modifiedAt(gen);
        if (modified.isEmpty()) {
            return Optional.empty();
        }
        long expires = modified.get() + Math.max(timeout.toMillis(), Duration.ofSeconds(1).toMillis());
        return Optional.of(new LeaseRecord("?", "an unreadable lease file", gen, modified.get(), expires, false));
    }

    private static LeaseHeldException held(String directory, LeaseRecord r) {
        return new LeaseHeldException("spark-lamb.output: another run holds the lease on '" + directory + "': " + r.describe()
                + "; refusing to write there (nothing was changed). Wait for that run to end, or, if it is dead, until its "
                + "lease expires (spark-lamb.lease.timeout-seconds), then run again");
    }

    /** Fails once the lease is lost (taken over, or not renewed in time); the run must then stop writing. */
    public void requireHeld() {
        String reason = lost;
        if (reason == null && clock.millis() > currentExpiry()) {
            reason = "it could not be renewed before it expired";
        }
        if (reason != null) {
            throw new LeaseHeldException("spark-lamb.output: this run lost its lease on '" + files.directory() + "' (" + reason
                    + "); stopping before writing more. Another run may be writing there now");
        }
    }

    private synchronized long currentExpiry() {
        return expiresAtMillis;
    }

    /** One renewal: the next generation, unless another run has moved the lease on. Package-private for tests. */
    synchronized void renew() throws IOException {
        if (closed || lost != null) {
            return;
        }
        Optional<Long> newest = files.newest();
        if (newest.isEmpty() || newest.get() != generation || !isMine(generation)) {
            lost = "another run took it over: the newest lease is " + newest.flatMap(g -> {
                try {
                    return files.read(g).flatMap(LeaseRecord::parse).map(LeaseRecord::describe);
                } catch (IOException e) {
                    return Optional.empty();
                }
            }).orElse("gone");
            LOG.error("run lease on {} lost: {}", files.directory(), lost);
            return;
        }
        long now = clock.millis();
        LeaseRecord next = new LeaseRecord(owner, holder, generation + 1, now, now + timeout.toMillis(), false);
        if (!files.createIfAbsent(generation + 1, next.format()) || !isMine(generation + 1)) {
            lost = "another run took it over at generation " + (generation + 1);
            LOG.error("run lease on {} lost: {}", files.directory(), lost);
            return;
        }
        generation++;
        expiresAtMillis = next.expiresAtMillis();
        files.deleteOlderThan(generation);
    }

    private void renewQuietly() {
        try {
            renew();
        } catch (IOException | RuntimeException e) {
            LOG.warn("could not renew the run lease on {} ({}); trying again", files.directory(), e.toString());
        }
    }

    /** Marks the lease released (unless it was lost) and stops renewing. Idempotent. */
    @Override
    public void close() {
        renewer.shutdownNow();
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            try {
                if (lost == null) {
                    long now = clock.millis();
                    LeaseRecord released = new LeaseRecord(owner, holder, generation + 1, now, now, true);
                    if (files.createIfAbsent(generation + 1, released.format())) {
                        files.deleteOlderThan(generation + 1);
                    }
                }
            } catch (IOException e) {
                LOG.warn("could not release the run lease on {} ({}); it expires by itself after {} s", files.directory(), e,
                        timeout.toSeconds());
            } finally {
                closeQuietly();
            }
        }
        try {
            ShutdownHookManager.get().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shuttingDown) {
            // called from the hook itself
        }
    }

    private void closeQuietly() {
        renewer.shutdownNow();
        try {
            files.close();
        } catch (IOException e) {
            LOG.debug("closing the lease's file system", e);
        }
    }

    /** True for the names of the lease's own files in a run's output directory. */
    public static boolean isLeaseFile(String name) {
        return LeaseFiles.isLeaseFile(name);
    }

    /** The file-system directory this lease is on. */
    public String directory() {
        return files.directory();
    }

    private static String holderName() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            host = "unknown-host";
        }
        return "process " + ManagementFactory.getRuntimeMXBean().getName().split("@")[0] + " on " + host;
    }
}
