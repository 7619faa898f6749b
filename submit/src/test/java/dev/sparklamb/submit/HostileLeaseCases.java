package dev.sparklamb.submit;

import static dev.sparklamb.submit.HostileCases.LEASE;
import static dev.sparklamb.submit.HostileCases.OK;
import static dev.sparklamb.submit.HostileCases.named;
import static dev.sparklamb.submit.HostileFixtures.baseRun;
import static dev.sparklamb.submit.HostileFixtures.goodConf;
import static dev.sparklamb.submit.HostileFixtures.root;
import static dev.sparklamb.submit.HostileFixtures.trainArgs;

import dev.sparklamb.spark.lease.LeaseRecord;
import dev.sparklamb.submit.HostileCases.Invocation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.params.provider.Arguments;

/** The run lease: another run's lease file in the output directory, held or stale. */
final class HostileLeaseCases {

    private HostileLeaseCases() {
    }

    /** Writes a lease file as another run's would be: renewed {@code ageSeconds} ago, valid for {@code validSeconds} from then. */
    static void leaseOfAnotherRun(Path dir, long generation, long ageSeconds, long validSeconds) throws IOException {
        Files.createDirectories(dir);
        long renewed = System.currentTimeMillis() - ageSeconds * 1000;
        Files.write(dir.resolve(String.format(".lease-%019d", generation)), new LeaseRecord("another-run", "process 4242 on host-b",
                generation, renewed, renewed + validSeconds * 1000, false).format());
    }

    static List<Arguments> leaseCases() {
        return List.of(
                named("lease: resume while another run holds the lease", LEASE,
                        List.of("another run holds the lease", "process 4242 on host-b", "nothing was changed"), dir -> {
                            Path run = dir.resolve("run");
                            CliHarness.copyTree(baseRun, run);
                            leaseOfAnotherRun(run, 900, 0, 3600);
                            return new Invocation(trainArgs(goodConf, run, true), null, null);
                        }),
                named("lease: new run into an empty directory whose lease another run holds", LEASE,
                        List.of("another run holds the lease", "process 4242 on host-b"), dir -> {
                            Path out = dir.resolve("out");
                            leaseOfAnotherRun(out, 1, 0, 3600);
                            return new Invocation(trainArgs(goodConf, out, false), null, null);
                        }),
                named("lease: resume over a stale lease (holder gone for 2 minutes, timeout 60 s)", OK,
                        List.of("taking over the stale run lease", "process 4242 on host-b"), dir -> {
                            Path run = dir.resolve("run");
                            CliHarness.copyTree(baseRun, run);
                            leaseOfAnotherRun(run, 900, 120, 60);
                            return new Invocation(trainArgs(goodConf, run, true), root.relativize(run).toString(), null);
                        }));
    }
}
