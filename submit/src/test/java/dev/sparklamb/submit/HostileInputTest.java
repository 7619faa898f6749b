package dev.sparklamb.submit;

import static dev.sparklamb.submit.HostileFixtures.spark;

import dev.sparklamb.submit.HostileCases.Case;
import dev.sparklamb.submit.HostileCases.Invocation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A corpus of malformed inputs fed one by one through the command line ({@link SparkLambCli#run}), as a scheduled
 * job would run it: bad configuration files, bad data, damaged checkpoints and unusable output paths. For each case:
 * the documented exit code ({@link ExitCode}), a message that names what is wrong (key, file, column, tensor), no
 * stack trace for the user's mistakes (exit 2 and 3; the log lines count, they go to the same console), and every
 * file that existed before the command is byte-identical after it. Only a run that is expected to succeed may change
 * its own output directory. The reproducible command lines are in docs/reliability.md.
 *
 * <p>The cases come from the tables of the {@code Hostile*Cases} classes, in the order of {@link #cases()}; their shared
 * fixtures are {@link HostileFixtures}, what a case is is {@link HostileCases}.
 */
class HostileInputTest {

    @TempDir
    static Path root;

    @BeforeAll
    static void fixtures() throws IOException {
        HostileFixtures.create(root);
    }

    static void record(Case c, Invocation inv, CliHarness.Outcome o) {
        StringBuilder s = new StringBuilder("### " + c.name() + "\n\nexit " + o.code() + " (expected " + c.exit() + ")\n\n");
        s.append("    spark-lamb ").append(String.join(" ", inv.args()).replace(root.toString(), "$TMP")).append("\n\n");
        o.err().lines().filter(l -> l.startsWith("spark-lamb:") || l.contains(" WARN  ") || l.contains(" ERROR ")
                        || l.contains("resuming") || l.contains("Caused by"))
                .map(l -> l.replace(root.toString(), "$TMP"))
                .map(l -> "    " + (l.length() > 700 ? l.substring(0, 700) + "..." : l))
                .forEach(l -> s.append(l).append('\n'));
        s.append("\n    stack trace lines: ").append(o.err().lines().filter(l -> l.startsWith("\tat ")).count()).append("\n\n");
        OUTCOMES.add(s.toString());
    }

    @AfterAll
    static void stop() throws IOException {
        Path target = Path.of(System.getProperty("user.dir"), "target");
        if (Files.isDirectory(target)) {
            Files.writeString(target.resolve("hostile-input-outcomes.md"), String.join("", OUTCOMES));
        }
        SparkSession.getActiveSession().foreach(s -> {
            s.stop();
            return null;
        });
    }

    // ------------------------------------------------------------------------------------------------------------
    // The test: one invocation per case.

    /** What each case printed, written to target/hostile-input-outcomes.md when the class is done (for docs/reliability.md). */
    static final List<String> OUTCOMES = new ArrayList<>();

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void hostileInput(Case c) throws Exception {
        Path dir = Files.createDirectories(root.resolve("cases").resolve("case-" + System.nanoTime()));
        try {
            Invocation inv = c.setup().prepare(dir);
            Map<String, String> before = CliHarness.snapshot(root);
            CliHarness.Outcome o = CliHarness.run(inv.args());
            Map<String, String> after = CliHarness.snapshot(root);
            String report = "case '" + c.name() + "'; command: spark-lamb " + String.join(" ", inv.args()) + "\n" + o.describe();
            record(c, inv, o);
            SoftAssertions soft = new SoftAssertions();
            soft.assertThat(o.code()).as("case '" + c.name() + "': exit code; " + report).isEqualTo(c.exit());
            // A failure must be explained by the CLI's own "spark-lamb: ..." line (the log may say more); a success that
            // had to work around damage (checkpoint fallback) says so in the log.
            String message = c.exit() == 0 ? o.err()
                    : String.join("\n", o.err().lines().filter(l -> l.startsWith("spark-lamb:")).toList());
            if (c.exit() != 0) {
                soft.assertThat(message).as("case '" + c.name() + "': the CLI's one-line message; " + report).isNotEmpty();
            }
            for (String part : c.messageParts()) {
                soft.assertThat(message).as("case '" + c.name() + "': the message names the problem").contains(part);
            }
            if (c.exit() == ExitCode.BAD_CONFIGURATION.code || c.exit() == ExitCode.BAD_DATA.code) {
                List<String> trace = o.err().lines().filter(l -> l.startsWith("\tat ")).toList();
                soft.assertThat(trace.size()).as("case '" + c.name() + "': no stack trace for the user's mistake, but stderr has "
                        + trace.size() + " '\\tat' lines, e.g. after: "
                        + o.err().lines().filter(l -> !l.startsWith("\tat ") && !l.startsWith("Caused by") && !l.isBlank()
                                && !l.startsWith("spark-lamb:")).limit(3).toList()).isZero();
            }
            Map<String, String> expectedAfter = before;
            Map<String, String> actualAfter = after;
            if (inv.mayChange() != null && c.exit() == 0) { // a command that fails may change nothing at all
                expectedAfter = CliHarness.without(before, inv.mayChange());
                actualAfter = CliHarness.without(after, inv.mayChange());
            }
            soft.assertThat(CliHarness.diff(expectedAfter, actualAfter))
                    .as("case '" + c.name() + "': files created, changed or deleted by the command (only "
                            + (inv.mayChange() == null || c.exit() != 0 ? "nothing" : inv.mayChange()) + " may change)")
                    .isEmpty();
            soft.assertThat(spark.sparkContext().getPersistentRDDs().isEmpty()).as("case '" + c.name() + "': no cached data left behind")
                    .isTrue();
            if (inv.extra() != null) {
                inv.extra().accept(o, soft);
            }
            soft.assertAll();
        } finally {
            CliHarness.deleteTree(dir);
        }
    }

    static Stream<Arguments> cases() {
        List<Arguments> all = new ArrayList<>();
        all.addAll(HostileConfigurationCases.configurationCases());
        all.addAll(HostileBadInputTableCases.tableCases());
        all.addAll(HostileCheckpointCases.checkpointCases());
        all.addAll(HostileOutputCases.outputCases());
        all.addAll(HostileLeaseCases.leaseCases());
        all.addAll(HostileNetworkCases.networkCases());
        all.addAll(HostileEvaluateCases.evaluateCases());
        all.addAll(HostileImportTextCases.importTextCases());
        return all.stream();
    }
}
