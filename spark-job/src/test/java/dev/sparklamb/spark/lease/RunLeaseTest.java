package dev.sparklamb.spark.lease;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link RunLease} on the local file system: one holder at a time, a live lease refused without changing anything, a
 * stale one taken over and its old holder told, a released one free at once. Timeouts are long (no renewal happens
 * during a test unless the test calls it) and time is moved with an injected clock, so nothing depends on timing.
 */
class RunLeaseTest {

    static final Configuration HADOOP = new Configuration();
    static final Duration TIMEOUT = Duration.ofMinutes(10);

    @TempDir
    Path tmp;

    /** A clock the test moves by hand. */
    static final class ManualClock extends Clock {
        volatile long millis;

        ManualClock(long millis) {
            this.millis = millis;
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis);
        }
    }

    static Map<String, String> snapshot(Path dir) throws IOException {
        Map<String, String> files = new TreeMap<>();
        if (Files.exists(dir)) {
            try (Stream<Path> s = Files.walk(dir)) {
                for (Path p : s.filter(Files::isRegularFile).toList()) {
                    files.put(dir.relativize(p).toString(), Files.readString(p));
                }
            }
        }
        return files;
    }

    static List<LeaseRecord> records(Path dir) throws IOException {
        List<LeaseRecord> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.filter(p -> p.getFileName().toString().startsWith(".lease-")).sorted().toList()) {
                out.add(LeaseRecord.parse(Files.readAllBytes(p)).orElseThrow());
            }
        }
        return out;
    }

    @Test
    void aLiveLeaseRefusesASecondRunAndNothingChanges() throws IOException {
        Path dir = tmp.resolve("run");
        String uri = dir.toUri().toString();
        try (RunLease first = RunLease.acquire(uri, HADOOP, TIMEOUT, Clock.systemUTC())) {
            Map<String, String> before = snapshot(dir);
            assertThat(before).hasSize(1);
            assertThatThrownBy(() -> RunLease.acquire(uri, HADOOP, TIMEOUT, Clock.systemUTC()))
                    .isInstanceOf(LeaseHeldException.class)
                    .hasMessageContaining("another run holds the lease on '" + "file:" + dir)
                    .hasMessageContaining("nothing was changed");
            assertThatThrownBy(() -> RunLease.requireFree(uri, HADOOP, Clock.systemUTC())).isInstanceOf(LeaseHeldException.class);
            assertThat(snapshot(dir)).as("files after the refused attempts").isEqualTo(before);
            first.requireHeld();
        }
        assertThat(records(dir)).singleElement().satisfies(r -> assertThat(r.released()).isTrue());
        RunLease.requireFree(uri, HADOOP, Clock.systemUTC());
        try (RunLease second = RunLease.acquire(uri, HADOOP, TIMEOUT, Clock.systemUTC())) {
            second.requireHeld();
            assertThat(records(dir)).singleElement().satisfies(r -> assertThat(r.released()).isFalse());
        }
    }

    @Test
    void aStaleLeaseIsTakenOverAndItsOldHolderFindsOutAtItsNextRenewal() throws IOException {
        Path dir = tmp.resolve("run");
        String uri = dir.toUri().toString();
        ManualClock clock = new ManualClock(1_000_000_000L);
        RunLease crashed = RunLease.acquire(uri, HADOOP, TIMEOUT, clock);
        // Still live one millisecond before its expiry, stale one after.
        clock.millis += TIMEOUT.toMillis();
        assertThatThrownBy(() -> RunLease.acquire(uri, HADOOP, TIMEOUT, clock)).isInstanceOf(LeaseHeldException.class);
        clock.millis += 1;
        RunLease next = RunLease.acquire(uri, HADOOP, TIMEOUT, clock);
        try {
            next.requireHeld();
            assertThatThrownBy(crashed::requireHeld).as("the old holder's own view: expired").isInstanceOf(LeaseHeldException.class)
                    .hasMessageContaining("could not be renewed before it expired");
            clock.millis -= 10; // even with its clock behind, a renewal shows it that another run took over
            crashed.renew();
            assertThatThrownBy(crashed::requireHeld).isInstanceOf(LeaseHeldException.class)
                    .hasMessageContaining("lost its lease").hasMessageContaining("another run took it over");
            crashed.close(); // the loser releases nothing
            assertThatThrownBy(() -> RunLease.requireFree(uri, HADOOP, clock)).isInstanceOf(LeaseHeldException.class);
            next.renew();
            next.requireHeld();
        } finally {
            next.close();
        }
        assertThat(records(dir)).singleElement().satisfies(r -> assertThat(r.released()).isTrue());
    }

    @Test
    void renewalMovesTheExpiryOn() throws IOException {
        Path dir = tmp.resolve("run");
        String uri = dir.toUri().toString();
        ManualClock clock = new ManualClock(5_000_000L);
        try (RunLease lease = RunLease.acquire(uri, HADOOP, TIMEOUT, clock)) {
            long firstExpiry = records(dir).get(0).expiresAtMillis();
            clock.millis += TIMEOUT.toMillis() / 2;
            lease.renew();
            assertThat(records(dir)).singleElement().satisfies(r -> {
                assertThat(r.expiresAtMillis()).isEqualTo(firstExpiry + TIMEOUT.toMillis() / 2);
                assertThat(r.generation()).isEqualTo(2);
            });
            clock.millis += TIMEOUT.toMillis() - 1;
            lease.requireHeld();
            assertThatThrownBy(() -> RunLease.acquire(uri, HADOOP, TIMEOUT, clock)).isInstanceOf(LeaseHeldException.class);
        }
    }

    @Test
    void ofManyRunsStartingTogetherExactlyOneGetsTheLease() throws Exception {
        int runs = 6;
        ExecutorService pool = Executors.newFixedThreadPool(runs);
        try {
            for (int round = 0; round < 24; round++) {
                String uri = tmp.resolve("race-" + round).toUri().toString();
                if (round % 2 == 1) { // half the rounds start from a released lease, not an empty directory
                    RunLease.acquire(uri, HADOOP, TIMEOUT, Clock.systemUTC()).close();
                }
                CyclicBarrier start = new CyclicBarrier(runs);
                List<Future<RunLease>> attempts = new ArrayList<>();
                for (int i = 0; i < runs; i++) {
                    attempts.add(pool.submit(() -> {
                        start.await();
                        try {
                            return RunLease.acquire(uri, HADOOP, TIMEOUT, Clock.systemUTC());
                        } catch (LeaseHeldException refused) {
                            return null;
                        }
                    }));
                }
                List<RunLease> winners = new ArrayList<>();
                for (Future<RunLease> f : attempts) {
                    RunLease l = f.get(60, TimeUnit.SECONDS);
                    if (l != null) {
                        winners.add(l);
                    }
                }
                assertThat(winners).as("round %d: runs holding the lease", round).hasSize(1);
                winners.forEach(RunLease::close);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aLeaseFileThatIsNotARecordCountsAsLiveUntilTheTimeoutAfterItWasWritten() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("run"));
        Files.writeString(dir.resolve(".lease-0000000000000000004"), "owner=half-writ");
        String uri = dir.toUri().toString();
        assertThatThrownBy(() -> RunLease.acquire(uri, HADOOP, TIMEOUT, Clock.systemUTC())).isInstanceOf(LeaseHeldException.class)
                .hasMessageContaining("an unreadable lease file");
        Clock later = Clock.offset(Clock.systemUTC(), TIMEOUT.plusMinutes(1));
        try (RunLease lease = RunLease.acquire(uri, HADOOP, TIMEOUT, later)) {
            lease.requireHeld();
        }
        assertThat(records(dir)).singleElement().satisfies(r -> assertThat(r.generation()).isEqualTo(6));
    }
}
