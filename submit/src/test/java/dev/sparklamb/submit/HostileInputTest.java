package dev.sparklamb.submit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sparklamb.optim.StateFormatException;
import dev.sparklamb.spark.BadInputCases;
import dev.sparklamb.spark.TestSpark;
import dev.sparklamb.spark.checkpoint.CheckpointCodec;
import dev.sparklamb.spark.config.SparkSettings;
import dev.sparklamb.spark.data.MnistImporter;
import dev.sparklamb.spark.lease.LeaseRecord;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Named;
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
 */
class HostileInputTest {

    static final int SIDE = 8;
    static final int FEATURES = SIDE * SIDE;
    static final int EXAMPLES = 200;
    static final String MASTER = "spark-lamb.spark.master=\"local[2]\"";
    static final String NEWEST = "step-000000000003.ckpt";

    @TempDir
    static Path root;

    static SparkSession spark;
    static float[][] x;
    static int[] y;
    /** Shared, never modified by a case (the snapshot checks that): */
    static Path trainParquet;
    static Path testParquet;
    static Path trainCsv;
    static Path goodConf;
    /** A finished run (3 steps, a checkpoint after every step, all 3 kept) of goodConf. */
    static Path baseRun;

    @BeforeAll
    static void fixtures() throws IOException {
        // The same session the CLI creates (Sessions.create -> getOrCreate); the CLI's calls reuse it.
        spark = Sessions.create(new SparkSettings("local[2]", "spark-lamb"));
        CliHarness.installLogCapture();
        Random r = new Random(7);
        float[][] teacher = new float[10][FEATURES];
        for (float[] row : teacher) {
            for (int j = 0; j < FEATURES; j++) {
                row[j] = (float) r.nextGaussian();
            }
        }
        x = new float[EXAMPLES][FEATURES];
        y = new int[EXAMPLES];
        for (int i = 0; i < EXAMPLES; i++) {
            double best = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < FEATURES; j++) {
                x[i][j] = r.nextFloat();
            }
            for (int c = 0; c < 10; c++) {
                double s = 0;
                for (int j = 0; j < FEATURES; j++) {
                    s += teacher[c][j] * (x[i][j] - 0.5);
                }
                if (s > best) {
                    best = s;
                    y[i] = c;
                }
            }
        }
        Path data = Files.createDirectories(root.resolve("data"));
        trainParquet = parquet(data.resolve("train.parquet"), rows(x, y));
        testParquet = parquet(data.resolve("test.parquet"), rows(Arrays.copyOf(x, 100), Arrays.copyOf(y, 100)));
        trainCsv = csv(data.resolve("train.csv"), table(x, y));
        goodConf = root.resolve("conf").resolve("good.conf");
        Files.createDirectories(goodConf.getParent());
        Files.writeString(goodConf, goodHocon());
        baseRun = root.resolve("fixtures").resolve("run-a");
        CliHarness.Outcome base = CliHarness.run("train", "-c", goodConf.toString(), "--output", baseRun.toString(), "--set", MASTER);
        assertThat(base.code()).as(base.describe()).isZero();
        assertThat(checkpointNames(baseRun)).containsExactly("step-000000000001.ckpt", "step-000000000002.ckpt", NEWEST);
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

    static String goodHocon() {
        return """
                # A valid run: 200 examples of 8x8, the mlp preset, 3 steps of 64 examples, a checkpoint after every step.
                spark-lamb {
                  data {
                    train = "%s"
                    test = "%s"
                    partitions = 2
                  }
                  model { input-height = 8, input-width = 8 }
                  training { global-batch = 64, micro-batch = 32, max-steps = 3 }
                  checkpoint { every-steps = 1, keep = 3 }
                  optimizer.learning-rate.base = 0.01
                  spark.master = "local[2]"
                }
                """.formatted(trainParquet.toUri(), testParquet.toUri());
    }

    // ------------------------------------------------------------------------------------------------------------
    // The test: one invocation per case.

    /** What a case runs; {@code mayChange} (relative to the temp root, or null) is the one directory it may write. */
    record Invocation(String[] args, String mayChange, BiConsumer<CliHarness.Outcome, SoftAssertions> extra) {
    }

    @FunctionalInterface
    interface Setup {
        Invocation prepare(Path dir) throws Exception;
    }

    record Case(String name, int exit, List<String> messageParts, Setup setup) {

        @Override
        public String toString() {
            return name;
        }
    }

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

    static Arguments named(String name, int exit, List<String> parts, Setup setup) {
        return Arguments.of(Named.of(name, new Case(name, exit, parts, setup)));
    }

    static final int OK = ExitCode.SUCCESS.code;
    static final int CONFIG = ExitCode.BAD_CONFIGURATION.code;
    static final int DATA = ExitCode.BAD_DATA.code;

    static Stream<Arguments> cases() {
        List<Arguments> all = new ArrayList<>();
        all.addAll(configurationCases());
        all.addAll(tableCases());
        all.addAll(checkpointCases());
        all.addAll(outputCases());
        all.addAll(leaseCases());
        all.addAll(networkCases());
        all.addAll(evaluateCases());
        all.addAll(importTextCases());
        return all.stream();
    }

    // ------------------------------------------------------------------------------------------------------------
    // Configuration files and command line.

    /** goodConf's text with {@code extra} appended (a later HOCON value wins over an earlier one). */
    static Setup confWith(String extra, String... sets) {
        return dir -> {
            Path conf = dir.resolve("run.conf");
            Files.writeString(conf, goodHocon() + extra + "\n");
            return new Invocation(trainArgs(conf, dir.resolve("out"), false, sets), null, null);
        };
    }

    static List<Arguments> configurationCases() {
        return List.of(
                named("config: unknown key given with --set (spark-lamb.trainign.epochs)", CONFIG,
                        List.of("spark-lamb.trainign.epochs"), confWith("", "spark-lamb.trainign.epochs=3")),
                named("config: learning rate Infinity (--set)", CONFIG,
                        List.of("spark-lamb.optimizer.learning-rate.base", "Infinity"),
                        confWith("", "spark-lamb.optimizer.learning-rate.base=Infinity")),
                named("config: key the optimizer does not use, given with --set (trust-coefficient with adamw)", CONFIG,
                        List.of("spark-lamb.optimizer.trust-coefficient = 0.001", "not used by optimizer adamw"),
                        confWith("spark-lamb.optimizer.name = adamw", "spark-lamb.optimizer.trust-coefficient=0.001")),
                named("config: not HOCON (unbalanced braces)", CONFIG, List.of("run.conf", "not valid HOCON"), dir -> {
                    Path conf = dir.resolve("run.conf");
                    Files.writeString(conf, "spark-lamb { training { epochs = 3 }\n");
                    return new Invocation(trainArgs(conf, dir.resolve("out"), false), null, null);
                }),
                named("config: binary garbage", CONFIG, List.of("garbage.conf"), dir -> {
                    Path conf = dir.resolve("garbage.conf");
                    byte[] bytes = new byte[512];
                    new Random(3).nextBytes(bytes);
                    Files.write(conf, bytes);
                    return new Invocation(trainArgs(conf, dir.resolve("out"), false), null, null);
                }),
                named("config: file does not exist", CONFIG, List.of("no-such.conf", "does not exist"),
                        dir -> new Invocation(trainArgs(dir.resolve("no-such.conf"), dir.resolve("out"), false), null, null)),
                named("config: unreadable (a directory given as the file)", CONFIG, List.of("conf-dir", "cannot read configuration file"), dir -> {
                    Path conf = Files.createDirectories(dir.resolve("conf-dir"));
                    return new Invocation(trainArgs(conf, dir.resolve("out"), false), null, null);
                }),
                named("config: unreadable (permissions 000; skipped as root)", CONFIG, List.of("secret.conf"), dir -> {
                    Assumptions.assumeFalse("root".equals(System.getProperty("user.name")), "root reads files regardless of permissions");
                    Path conf = dir.resolve("secret.conf");
                    Files.writeString(conf, goodHocon());
                    Files.setPosixFilePermissions(conf, PosixFilePermissions.fromString("---------"));
                    return new Invocation(trainArgs(conf, dir.resolve("out"), false), null, null);
                }),
                named("config: URI with an unknown file system scheme", CONFIG, List.of("nosuchfs"),
                        dir -> new Invocation(new String[] {"train", "-c", "nosuchfs://host/run.conf", "--output", dir.resolve("out").toString(),
                                "--set", MASTER}, null, null)),
                named("config: empty file (no training data set)", DATA, List.of("spark-lamb.data.train"), dir -> {
                    Path conf = dir.resolve("empty.conf");
                    Files.writeString(conf, "");
                    return new Invocation(trainArgs(conf, dir.resolve("out"), false), null, null);
                }),
                named("config: fractional integer (training.epochs = 2.5)", CONFIG,
                        List.of("spark-lamb.training.epochs", "2.5 is not a whole number", "run.conf: 14"),
                        confWith("spark-lamb.training.epochs = 2.5")),
                named("config: fractional long given with --set (training.max-steps=2.5)", CONFIG,
                        List.of("spark-lamb.training.max-steps", "not a whole number", "override spark-lamb.training.max-steps"),
                        confWith("", "spark-lamb.training.max-steps=2.5")),
                named("config: long with a unit suffix given with --set (training.max-steps=3k)", CONFIG,
                        List.of("spark-lamb.training.max-steps", "unit suffix ('k')"), confWith("", "spark-lamb.training.max-steps=3k")),
                named("config: long out of range given with --set (seed=9223372036854775808)", CONFIG,
                        List.of("spark-lamb.seed", "out of range"), confWith("", "spark-lamb.seed=9223372036854775808")),
                named("command line: --set without '='", CONFIG, List.of("spark-lamb.training.epochs", "expected key=value"),
                        confWith("", "spark-lamb.training.epochs")),
                named("command line: unknown option", CONFIG, List.of("--epochs"),
                        dir -> new Invocation(new String[] {"train", "-c", goodConf.toString(), "--epochs", "3"}, null, null)),
                named("command line: unknown command", CONFIG, List.of("fit"),
                        dir -> new Invocation(new String[] {"fit", "-c", goodConf.toString()}, null, null)));
    }

    // ------------------------------------------------------------------------------------------------------------
    // The shared bad-input table (BadInputCases, also run through the library by spark-job's BadInputTest).

    /**
     * Every row of {@link BadInputCases}: {@code $CASE/run.conf} is goodConf followed by the row's settings, one per line
     * (a later HOCON value wins), and the run writes to {@code $CASE/out}; the exit code is the row's kind's, and the
     * CLI's line must also name what the row's setup adds (a data file's name).
     */
    static List<Arguments> tableCases() {
        return BadInputCases.all().map(row -> named(row.name(), row.kind().exitCode, row.messageParts(), dir -> {
            BadInputCases.Input input = row.setup().prepare(new BadInputCases.Fixtures(spark, new TestSpark.Synthetic(x, y, SIDE),
                    trainParquet, testParquet, trainCsv), dir);
            Path conf = dir.resolve("run.conf");
            Files.writeString(conf, goodHocon() + String.join("\n", input.overrides()) + "\n");
            return new Invocation(trainArgs(conf, BadInputCases.output(dir), false), null, (o, soft) -> {
                String line = String.join("\n", o.err().lines().filter(l -> l.startsWith("spark-lamb:")).toList());
                for (String part : input.messageParts()) {
                    soft.assertThat(line).as("case '" + row.name() + "': the message names the file").contains(part);
                }
            });
        })).toList();
    }

    static float[][] copy(float[][] a) {
        float[][] c = new float[a.length][];
        for (int i = 0; i < a.length; i++) {
            c[i] = a[i].clone();
        }
        return c;
    }

    // ------------------------------------------------------------------------------------------------------------
    // Checkpoints: a copy of the finished base run, damaged, then `train --resume`.

    /** Copies the base run to dir/run, lets {@code damage} change it, and resumes it with goodConf. */
    static Setup resumeAfter(Damage damage, Function<Path, BiConsumer<CliHarness.Outcome, SoftAssertions>> extra) {
        return dir -> {
            Path run = dir.resolve("run");
            CliHarness.copyTree(baseRun, run);
            damage.apply(dir, run.resolve("checkpoints"));
            return new Invocation(trainArgs(goodConf, run, true), root.relativize(run).toString(), extra == null ? null : extra.apply(run));
        };
    }

    @FunctionalInterface
    interface Damage {
        void apply(Path caseDir, Path checkpoints) throws Exception;
    }

    /** The resumed run continued from the checkpoint after step {@code step} and finished the 3 steps. */
    static Function<Path, BiConsumer<CliHarness.Outcome, SoftAssertions>> resumedFrom(int step) {
        return run -> (o, soft) -> {
            soft.assertThat(o.err()).contains("step-00000000000" + step + ".ckpt (next step " + (step + 1) + ")");
            soft.assertThat(o.out()).contains("final test accuracy");
            finishedCleanly(run, soft);
        };
    }

    /** The run's metrics hold steps 1..3 once each, and its checkpoint directory holds 3 valid checkpoints again. */
    static void finishedCleanly(Path run, SoftAssertions soft) {
        try {
            List<Long> steps = new ArrayList<>();
            for (String line : Files.readAllLines(run.resolve("metrics.jsonl"))) {
                java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"step\"\\s*:\\s*(\\d+)").matcher(line);
                soft.assertThat(m.find()).as("metrics line with a step: %s", line).isTrue();
                steps.add(Long.parseLong(m.group(1)));
            }
            soft.assertThat(steps).as("steps in metrics.jsonl").containsExactly(1L, 2L, 3L);
            List<Long> restored = new ArrayList<>();
            for (String name : checkpointNames(run)) {
                try (var in = Files.newInputStream(run.resolve("checkpoints").resolve(name))) {
                    restored.add(CheckpointCodec.decode(in, name).nextStep());
                } catch (StateFormatException e) {
                    soft.fail("checkpoint " + name + " is still damaged: " + e.getMessage());
                }
            }
            soft.assertThat(restored).as("steps of the checkpoints after the run").containsExactly(1L, 2L, 3L);
        } catch (IOException e) {
            soft.fail("reading " + run + ": " + e);
        }
    }

    static List<Arguments> checkpointCases() {
        return List.of(
                named("checkpoint: newest truncated (half its bytes)", OK, List.of(NEWEST, "trying the previous one"),
                        resumeAfter((dir, ck) -> truncate(ck.resolve(NEWEST), Files.size(ck.resolve(NEWEST)) / 2), resumedFrom(2))),
                named("checkpoint: newest truncated, no .crc side file (as on HDFS / object stores)", OK,
                        List.of(NEWEST, "checkpoint is corrupt or truncated (checksum mismatch)", "trying the previous one"),
                        resumeAfter((dir, ck) -> {
                            truncate(ck.resolve(NEWEST), Files.size(ck.resolve(NEWEST)) / 2);
                            removeSidecar(ck.resolve(NEWEST));
                        }, resumedFrom(2))),
                named("checkpoint: newest with one bit flipped", OK, List.of(NEWEST, "trying the previous one"),
                        resumeAfter((dir, ck) -> flipBit(ck.resolve(NEWEST), Files.size(ck.resolve(NEWEST)) / 2, 4), resumedFrom(2))),
                named("checkpoint: newest with one bit flipped, no .crc side file", OK,
                        List.of(NEWEST, "checksum mismatch", "trying the previous one"),
                        resumeAfter((dir, ck) -> {
                            flipBit(ck.resolve(NEWEST), Files.size(ck.resolve(NEWEST)) / 2, 4);
                            removeSidecar(ck.resolve(NEWEST));
                        }, resumedFrom(2))),
                named("checkpoint: newest is 0 bytes", OK, List.of(NEWEST, "trying the previous one"),
                        resumeAfter((dir, ck) -> {
                            truncate(ck.resolve(NEWEST), 0);
                            removeSidecar(ck.resolve(NEWEST));
                        }, resumedFrom(2))),
                named("checkpoint: newest is not a checkpoint (text)", OK, List.of(NEWEST, "bad magic number", "trying the previous one"),
                        resumeAfter((dir, ck) -> {
                            Files.writeString(ck.resolve(NEWEST), "this is a text file, not a spark-lamb checkpoint\n");
                            removeSidecar(ck.resolve(NEWEST));
                        }, resumedFrom(2))),
                named("checkpoint: newer format version (99), nothing else fixed up", OK, List.of(NEWEST, "trying the previous one"),
                        resumeAfter((dir, ck) -> patchVersion(ck.resolve(NEWEST), 99), resumedFrom(2))),
                named("checkpoint: newer format version (99), no .crc side file", OK,
                        List.of(NEWEST, "checksum mismatch", "trying the previous one"),
                        resumeAfter((dir, ck) -> {
                            patchVersion(ck.resolve(NEWEST), 99);
                            removeSidecar(ck.resolve(NEWEST));
                        }, resumedFrom(2))),
                named("checkpoint: newer format version (99) with a valid CRC", OK,
                        List.of(NEWEST, "format version 99 is not supported", "newer spark-lamb", "trying the previous one"),
                        resumeAfter((dir, ck) -> {
                            patchVersion(ck.resolve(NEWEST), 99);
                            fixCrc(ck.resolve(NEWEST));
                            removeSidecar(ck.resolve(NEWEST));
                        }, resumedFrom(2))),
                named("checkpoint: newest two damaged, falls back to the oldest", OK,
                        List.of(NEWEST, "step-000000000002.ckpt", "trying the previous one"),
                        resumeAfter((dir, ck) -> {
                            truncate(ck.resolve(NEWEST), 100);
                            flipBit(ck.resolve("step-000000000002.ckpt"), 1000, 0);
                        }, resumedFrom(1))),
                named("checkpoint: all damaged (refused; nothing changed)", DATA,
                        List.of("none of the 3 checkpoints", "is usable", "nothing was changed"),
                        resumeAfter((dir, ck) -> {
                            truncate(ck.resolve("step-000000000001.ckpt"), 10);
                            flipBit(ck.resolve("step-000000000002.ckpt"), 1000, 0);
                            patchVersion(ck.resolve(NEWEST), 99);
                        }, null)),
                named("checkpoint: from another configuration (another run with learning rate 0.02 into the same checkpoint dir)",
                        CONFIG, List.of("another model or configuration", NEWEST), resumeAfter((dir, ck) ->
                                trainInto(dir, ck, "spark-lamb.optimizer.learning-rate.base=0.02"), null)),
                named("checkpoint: from another model (another run with 12 classes into the same checkpoint dir)",
                        CONFIG, List.of("another model or configuration", NEWEST), resumeAfter((dir, ck) ->
                                trainInto(dir, ck, "spark-lamb.model.classes=12"), null)),
                named("checkpoint: resume changing a key that may not change (training.max-steps 3 -> 2)", CONFIG,
                        List.of("was written for another model or configuration", "spark-lamb.training.max-steps: 3 -> 2",
                                "Only these keys may change on resume", "nothing was changed"), dir -> {
                            Path run = dir.resolve("run");
                            CliHarness.copyTree(baseRun, run);
                            return new Invocation(trainArgs(goodConf, run, true, "spark-lamb.training.max-steps=2"), null, null);
                        }),
                named("checkpoint: resume changing a key that may change (checkpoint.keep 3 -> 4)", OK,
                        List.of("resuming with changed settings", "spark-lamb.checkpoint.keep: 3 -> 4"), dir -> {
                            Path run = dir.resolve("run");
                            CliHarness.copyTree(baseRun, run);
                            return new Invocation(trainArgs(goodConf, run, true, "spark-lamb.checkpoint.keep=4"),
                                    root.relativize(run).toString(), null);
                        }),
                named("checkpoint: resume into an output directory holding a foreign file", CONFIG,
                        List.of("spark-lamb.output", "'notes.txt'", "refusing to resume"), dir -> {
                            Path run = dir.resolve("run");
                            CliHarness.copyTree(baseRun, run);
                            Files.writeString(run.resolve("notes.txt"), "my notes");
                            return new Invocation(trainArgs(goodConf, run, true), null, null);
                        }),
                named("checkpoint: checkpoint.dir is a regular file", CONFIG, List.of("spark-lamb.checkpoint.dir", "ckpt-file"), dir -> {
                    Path file = dir.resolve("ckpt-file");
                    Files.writeString(file, "a file");
                    return new Invocation(trainArgs(goodConf, dir.resolve("out"), false,
                            "spark-lamb.checkpoint.dir=\"" + file.toUri() + "\""), null, null);
                }));
    }

    /** Trains another run (goodConf plus {@code sets}) whose checkpoints go to {@code checkpoints}. */
    /**
     * Trains another run (other settings) with its own checkpoint directory, then copies its checkpoints (and their
     * Hadoop checksum side files) over the ones in {@code checkpoints}: a new run refuses to write into a directory that
     * already holds checkpoints, so this is how another run's checkpoints end up there.
     */
    static void trainInto(Path dir, Path checkpoints, String... sets) {
        Path own = dir.resolve("other-ckpt");
        List<String> all = new ArrayList<>(List.of(sets));
        all.add("spark-lamb.checkpoint.dir=\"" + own.toUri() + "\"");
        CliHarness.Outcome other = CliHarness.run(trainArgs(goodConf, dir.resolve("other-out"), false, all.toArray(new String[0])));
        assertThat(other.code()).as(other.describe()).isZero();
        try (var files = Files.list(own)) {
            for (Path f : files.toList()) {
                Files.copy(f, checkpoints.resolve(f.getFileName().toString()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // The run lease: another run's lease file in the output directory.

    static final int LEASE = ExitCode.LEASE_HELD.code;

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

    // ------------------------------------------------------------------------------------------------------------
    // Networks: layers and settings that cannot be trained exactly, fine-tuning and freezing.

    /** A 64-input, 10-class network: {@code hidden} then a softmax output layer. */
    static String network(org.deeplearning4j.nn.conf.layers.DenseLayer.Builder hidden) {
        return new org.deeplearning4j.nn.conf.NeuralNetConfiguration.Builder().seed(3)
                .dataType(org.nd4j.linalg.api.buffer.DataType.FLOAT).list()
                .layer(hidden.nIn(FEATURES).nOut(12).build())
                .layer(new org.deeplearning4j.nn.conf.layers.OutputLayer.Builder(org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction.MCXENT)
                        .nIn(12).nOut(10).activation(org.nd4j.linalg.activations.Activation.SOFTMAX).build())
                .build().toJson();
    }

    /** goodConf with {@code model.config-file} set to {@code json}, written into the case's directory. */
    static Setup networkConf(String json, String extra, String... sets) {
        return dir -> {
            Path file = dir.resolve("network.json");
            Files.writeString(file, json);
            return confWith("spark-lamb.model.config-file = \"" + file.toUri() + "\"\n" + extra, sets).prepare(dir);
        };
    }

    static List<Arguments> networkCases() {
        return List.of(
                named("network: a layer with weight noise (DropConnect), which cannot be partition-independent", CONFIG,
                        List.of("spark-lamb.model", "layer 0", "DenseLayer", "DropConnect"),
                        networkConf(network(new org.deeplearning4j.nn.conf.layers.DenseLayer.Builder()
                                .weightNoise(new org.deeplearning4j.nn.conf.weightnoise.DropConnect(0.5))), "")),
                named("network: DL4J's WeightDecay (decoupled) with the adam optimizer (coupled L2 decay)", CONFIG,
                        List.of("spark-lamb.optimizer.name", "'adam'", "WeightDecay", "0_W"),
                        networkConf(network((org.deeplearning4j.nn.conf.layers.DenseLayer.Builder) new org.deeplearning4j.nn.conf.layers
                                .DenseLayer.Builder().regularization(List.of(new org.nd4j.linalg.learning.regularization.WeightDecay(1e-3, true)))),
                                "spark-lamb.optimizer.name = adam")),
                named("network: a sequence layer (LSTM)", CONFIG, List.of("layer 0", "LSTM", "sequence"),
                        networkConf(new org.deeplearning4j.nn.conf.NeuralNetConfiguration.Builder().list()
                                .layer(new org.deeplearning4j.nn.conf.layers.LSTM.Builder().nIn(FEATURES).nOut(8).build())
                                .layer(new org.deeplearning4j.nn.conf.layers.RnnOutputLayer.Builder().nIn(8).nOut(10)
                                        .activation(org.nd4j.linalg.activations.Activation.SOFTMAX).build())
                                .build().toJson(), "")),
                named("network: BatchNormalization with useLogStd = false (DL4J reads it back as true)", CONFIG,
                        List.of("spark-lamb.model.config-file", "useLogStd"),
                        networkConf(new org.deeplearning4j.nn.conf.NeuralNetConfiguration.Builder().list()
                                .layer(new org.deeplearning4j.nn.conf.layers.DenseLayer.Builder().nIn(FEATURES).nOut(8).build())
                                .layer(new org.deeplearning4j.nn.conf.layers.BatchNormalization.Builder().useLogStd(false).build())
                                .layer(new org.deeplearning4j.nn.conf.layers.OutputLayer.Builder().nOut(10)
                                        .activation(org.nd4j.linalg.activations.Activation.SOFTMAX).build())
                                .setInputType(org.deeplearning4j.nn.conf.inputs.InputType.feedForward(FEATURES))
                                .build().toJson(), "")),
                named("network: per-layer gradient normalization with the sharded all-reduce", CONFIG,
                        List.of("spark-lamb.training.all-reduce", "gradient normalization"),
                        networkConf(network(new org.deeplearning4j.nn.conf.layers.DenseLayer.Builder()
                                .gradientNormalization(org.deeplearning4j.nn.conf.GradientNormalization.ClipL2PerLayer)),
                                "spark-lamb.training.all-reduce = sharded")),
                named("network: model.init-from a model zip of another architecture", CONFIG,
                        List.of("spark-lamb.model.init-from", "another architecture", "other.zip"), dir -> {
                            org.deeplearning4j.nn.multilayer.MultiLayerNetwork other = new org.deeplearning4j.nn.multilayer.MultiLayerNetwork(
                                    org.deeplearning4j.nn.conf.MultiLayerConfiguration.fromJson(
                                            network(new org.deeplearning4j.nn.conf.layers.DenseLayer.Builder())));
                            other.init();
                            Path zip = dir.resolve("other.zip");
                            org.deeplearning4j.util.ModelSerializer.writeModel(other, zip.toFile(), false);
                            return confWith("spark-lamb.model.init-from = \"" + zip.toUri() + "\"").prepare(dir);
                        }),
                named("network: fine-tuning from the base run's model with the first layer frozen", OK, List.of(), dir -> {
                    Invocation inv = confWith("spark-lamb.model.init-from = \"" + baseRun.resolve("model.zip").toUri() + "\"\n"
                            + "spark-lamb.model.freeze = [\"^0_\"]").prepare(dir);
                    return new Invocation(inv.args(), root.relativize(dir.resolve("out")).toString(), null);
                }),
                named("network: batch normalization, dropout and l2 in a configuration file train", OK, List.of(), dir -> {
                    String json = new org.deeplearning4j.nn.conf.NeuralNetConfiguration.Builder().seed(3)
                            .dataType(org.nd4j.linalg.api.buffer.DataType.FLOAT).list()
                            .layer(new org.deeplearning4j.nn.conf.layers.DenseLayer.Builder().nIn(FEATURES).nOut(12).dropOut(0.8).l2(1e-4).build())
                            .layer(new org.deeplearning4j.nn.conf.layers.BatchNormalization.Builder().build())
                            .layer(new org.deeplearning4j.nn.conf.layers.OutputLayer.Builder(
                                    org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction.MCXENT).nOut(10)
                                    .activation(org.nd4j.linalg.activations.Activation.SOFTMAX).build())
                            .setInputType(org.deeplearning4j.nn.conf.inputs.InputType.feedForward(FEATURES))
                            .build().toJson();
                    Invocation inv = networkConf(json, "").prepare(dir);
                    return new Invocation(inv.args(), root.relativize(dir).toString(), null);
                }));
    }

    // ------------------------------------------------------------------------------------------------------------
    // Output paths.

    static List<Arguments> outputCases() {
        return List.of(
                named("output: not writable (under a regular file)", CONFIG, List.of("spark-lamb.output", "afile"), dir -> {
                    Path file = dir.resolve("afile");
                    Files.writeString(file, "a regular file");
                    return new Invocation(trainArgs(goodConf, file.resolve("out"), false), null, null);
                }),
                named("output: not writable (parent directory mode 555; skipped as root)", CONFIG, List.of("spark-lamb.output"), dir -> {
                    Assumptions.assumeFalse("root".equals(System.getProperty("user.name")), "root writes regardless of permissions");
                    Path parent = Files.createDirectories(dir.resolve("locked"));
                    Files.setPosixFilePermissions(parent, PosixFilePermissions.fromString("r-xr-xr-x"));
                    return new Invocation(trainArgs(goodConf, parent.resolve("out"), false), null, null);
                }),
                named("output: inside the training data directory", CONFIG, List.of("spark-lamb.output"), dir -> {
                    Path data = copyOfTrain(dir, "train.parquet");
                    return new Invocation(trainArgs(goodConf, data.resolve("run-out"), false,
                            "spark-lamb.data.train=\"" + data.toUri() + "\""), null, null);
                }),
                named("output: inside the test data directory", CONFIG, List.of("spark-lamb.output"), dir -> {
                    Path test = dir.resolve("test.parquet");
                    CliHarness.copyTree(testParquet, test);
                    return new Invocation(trainArgs(goodConf, test.resolve("run-out"), false,
                            "spark-lamb.data.test=\"" + test.toUri() + "\""), null, null);
                }),
                named("output: the training data directory itself", CONFIG, List.of("spark-lamb.output", "lies inside the input data"), dir -> {
                    Path data = copyOfTrain(dir, "train.parquet");
                    return new Invocation(trainArgs(goodConf, data, false, "spark-lamb.data.train=\"" + data.toUri() + "\""), null, null);
                }),
                named("output: the training data directory itself, with --resume", CONFIG,
                        List.of("spark-lamb.output", "lies inside the input data"), dir -> {
                            Path data = copyOfTrain(dir, "train.parquet");
                            return new Invocation(trainArgs(goodConf, data, true, "spark-lamb.data.train=\"" + data.toUri() + "\""), null, null);
                        }),
                named("output: checkpoint.dir inside the training data directory", CONFIG, List.of("spark-lamb.checkpoint.dir"), dir -> {
                    Path data = copyOfTrain(dir, "train.parquet");
                    return new Invocation(trainArgs(goodConf, dir.resolve("out"), false,
                            "spark-lamb.data.train=\"" + data.toUri() + "\"",
                            "spark-lamb.checkpoint.dir=\"" + data.resolve("ckpt").toUri() + "\""), null, null);
                }),
                named("output: the training data file's own path + /out (CSV input)", CONFIG, List.of("spark-lamb.output"), dir -> {
                    Path csv = csv(dir.resolve("train.csv"), table(x, y));
                    return new Invocation(trainArgs(goodConf, csv.resolve("out"), false, "spark-lamb.data.train=\"" + csv.toUri() + "\"",
                            "spark-lamb.data.test=\"\"", "spark-lamb.data.format=csv"), null, null);
                }));
    }

    // ------------------------------------------------------------------------------------------------------------
    // evaluate.

    static String[] evaluateArgs(Path model, Path data) {
        return new String[] {"evaluate", "--model", model.toString(), "--data", data.toUri().toString(), "-c", goodConf.toString(),
                "--set", MASTER};
    }

    static List<Arguments> evaluateCases() {
        return List.of(
                named("evaluate: model file is not a model (random bytes)", DATA, List.of("model.zip", "is not a DL4J model file"), dir -> {
                    Path model = dir.resolve("model.zip");
                    byte[] bytes = new byte[4096];
                    new Random(5).nextBytes(bytes);
                    Files.write(model, bytes);
                    return new Invocation(evaluateArgs(model, testParquet), null, null);
                }),
                named("evaluate: truncated model.zip", DATA, List.of("model.zip", "is not a DL4J model file"), dir -> {
                    Path model = dir.resolve("model.zip");
                    Files.copy(baseRun.resolve("model.zip"), model);
                    truncate(model, Files.size(model) / 2);
                    return new Invocation(evaluateArgs(model, testParquet), null, null);
                }),
                named("evaluate: model file does not exist", CONFIG, List.of("no-model.zip", "does not exist"),
                        dir -> new Invocation(evaluateArgs(dir.resolve("no-model.zip"), testParquet), null, null)),
                named("evaluate: data with the wrong feature length", DATA, List.of("has 63 values", "evaluation data"), dir -> {
                    float[][] bad = copy(Arrays.copyOf(x, 100));
                    bad[3] = Arrays.copyOf(bad[3], 63);
                    Path data = parquet(dir.resolve("short.parquet"), rows(bad, Arrays.copyOf(y, 100)));
                    return new Invocation(evaluateArgs(baseRun.resolve("model.zip"), data), null, null);
                }),
                named("evaluate: --data missing", CONFIG, List.of("--data"),
                        dir -> new Invocation(new String[] {"evaluate", "--model", baseRun.resolve("model.zip").toString()}, null, null)));
    }

    // ------------------------------------------------------------------------------------------------------------
    // import-text.

    /**
     * import-text of {@code input} into {@code $CASE/out}: {@code --heldout-fraction 0 --sequence-length 8,16} unless
     * {@code options} (option, value, option, value, ...) set them.
     */
    static Invocation importText(Path dir, Path input, String... options) {
        Map<String, String> o = new java.util.LinkedHashMap<>(Map.of("--heldout-fraction", "0", "--sequence-length", "8,16"));
        for (int i = 0; i < options.length; i += 2) {
            o.put(options[i], options[i + 1]);
        }
        List<String> args = new ArrayList<>(List.of("import-text", "--input", input.toString(), "--output", dir.resolve("out").toString(),
                "--master", "local[2]"));
        o.forEach((k, v) -> args.addAll(List.of(k, v)));
        return new Invocation(args.toArray(new String[0]), root.relativize(dir.resolve("out")).toString(), null);
    }

    /** A BERT-style vocab.txt: [PAD] first, the other special tokens further down (ids are looked up by token). */
    static final String BERT_STYLE_VOCAB = "[PAD]\nthe\n[UNK]\n[CLS]\n[SEP]\n[MASK]\npeople\n.\n,\n##s\n";

    static List<Arguments> importTextCases() {
        return List.of(
                named("import-text: a tiny corpus", OK, List.of(), dir -> importText(dir, CliHarness.textCorpus(dir), "--vocab-size", "80")),
                named("import-text: a BERT-style vocab.txt with [PAD] first and the others later", OK, List.of(), dir -> {
                    Path vocab = dir.resolve("vocab.txt");
                    Files.writeString(vocab, BERT_STYLE_VOCAB);
                    Invocation inv = importText(dir, CliHarness.textCorpus(dir), "--vocab", vocab.toString());
                    return new Invocation(inv.args(), inv.mayChange(), (o, soft) -> soft.assertThat(
                            CliHarness.snapshot(dir).keySet()).contains("out/text-import.json", "out/seq-8/train/"));
                }),
                named("import-text: empty text file", DATA, List.of("empty.txt", "is empty"), dir -> {
                    Path docs = CliHarness.textCorpus(dir);
                    Files.writeString(docs.resolve("empty.txt"), "");
                    return importText(dir, docs);
                }),
                named("import-text: text file of whitespace only", DATA, List.of("blank.txt", "holds no text"), dir -> {
                    Path docs = CliHarness.textCorpus(dir);
                    Files.writeString(docs.resolve("blank.txt"), " \n\t\n");
                    return importText(dir, docs);
                }),
                named("import-text: text file that is not UTF-8 (Latin-1)", DATA, List.of("latin1.txt", "line 2", "UTF-8"), dir -> {
                    Path docs = CliHarness.textCorpus(dir);
                    Files.write(docs.resolve("latin1.txt"), new byte[] {'o', 'k', '\n', 'c', 'a', 'f', (byte) 0xE9, '\n'});
                    return importText(dir, docs);
                }),
                named("import-text: directory with no text files", DATA, List.of("notes", "holds no text files"), dir -> {
                    Path notes = Files.createDirectories(dir.resolve("notes"));
                    Files.writeString(notes.resolve("readme.md"), "no .txt here\n");
                    return importText(dir, notes);
                }),
                named("import-text: input does not exist", DATA, List.of("missing-docs", "does not exist"),
                        dir -> importText(dir, dir.resolve("missing-docs"))),
                named("import-text: vocab.txt with a duplicate token", DATA, List.of("vocab.txt", "line 8", "'the'", "repeats line 2"), dir -> {
                    Path vocab = dir.resolve("vocab.txt");
                    Files.writeString(vocab, "[PAD]\nthe\n[UNK]\n[CLS]\n[SEP]\n[MASK]\npeople\nthe\n");
                    return importText(dir, CliHarness.textCorpus(dir), "--vocab", vocab.toString());
                }),
                named("import-text: vocab.txt without [MASK]", DATA, List.of("vocab.txt", "[MASK]"), dir -> {
                    Path vocab = dir.resolve("vocab.txt");
                    Files.writeString(vocab, "[PAD]\n[UNK]\n[CLS]\n[SEP]\nthe\n");
                    return importText(dir, CliHarness.textCorpus(dir), "--vocab", vocab.toString());
                }),
                named("import-text: --vocab and --vocab-size together", CONFIG, List.of("--vocab", "--vocab-size"), dir -> {
                    Path vocab = dir.resolve("vocab.txt");
                    Files.writeString(vocab, BERT_STYLE_VOCAB);
                    return importText(dir, CliHarness.textCorpus(dir), "--vocab", vocab.toString(), "--vocab-size", "100");
                }),
                named("import-text: --vocab-size too small for the corpus's characters", CONFIG, List.of("--vocab-size", "too small"),
                        dir -> importText(dir, CliHarness.textCorpus(dir), "--vocab-size", "20")),
                named("import-text: sequence length 2", CONFIG, List.of("--sequence-length", "2"),
                        dir -> importText(dir, CliHarness.textCorpus(dir), "--sequence-length", "2")),
                named("import-text: sequence length above --max-sequence-length", CONFIG,
                        List.of("--sequence-length", "1024", "--max-sequence-length 512"),
                        dir -> importText(dir, CliHarness.textCorpus(dir), "--sequence-length", "64,1024")),
                named("import-text: held-out fraction 1", CONFIG, List.of("--heldout-fraction"),
                        dir -> importText(dir, CliHarness.textCorpus(dir), "--heldout-fraction", "1")),
                named("import-text: output under a regular file", CONFIG, List.of("--output", "afile"), dir -> {
                    Files.writeString(dir.resolve("afile"), "a regular file\n");
                    Invocation inv = importText(dir, CliHarness.textCorpus(dir));
                    String[] args = inv.args().clone();
                    args[List.of(args).indexOf("--output") + 1] = dir.resolve("afile").resolve("out").toString();
                    return new Invocation(args, null, null);
                }),
                named("import-text: output directory exists", CONFIG, List.of("--output", "already exists"), dir -> {
                    Files.createDirectories(dir.resolve("out"));
                    Files.writeString(dir.resolve("out").resolve("keep.txt"), "not touched\n");
                    return importText(dir, CliHarness.textCorpus(dir));
                }));
    }

    // ------------------------------------------------------------------------------------------------------------
    // Helpers.

    static String[] trainArgs(Path conf, Path output, boolean resume, String... sets) {
        List<String> args = new ArrayList<>(List.of("train", "-c", conf.toString(), "--output", output.toString(), "--set", MASTER));
        if (resume) {
            args.add("--resume");
        }
        for (String s : sets) {
            args.add("--set");
            args.add(s);
        }
        return args.toArray(new String[0]);
    }

    static List<Row> rows(float[][] features, int[] labels) {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < labels.length; i++) {
            rows.add(RowFactory.create(features[i], labels[i]));
        }
        return rows;
    }

    static Path parquet(Path dir, List<Row> rows) {
        return parquet(dir, rows, MnistImporter.SCHEMA);
    }

    /** One Parquet file (row order kept) in the new directory {@code dir}. */
    static Path parquet(Path dir, List<Row> rows, StructType schema) {
        spark.createDataFrame(rows, schema).coalesce(1).write().parquet(dir.toUri().toString());
        return dir;
    }

    /** Header row (label, f0..f63) then one row per example, floats written with Float.toString. */
    static List<String[]> table(float[][] features, int[] labels) {
        List<String[]> t = new ArrayList<>();
        String[] header = new String[FEATURES + 1];
        header[0] = "label";
        for (int j = 0; j < FEATURES; j++) {
            header[j + 1] = "f" + j;
        }
        t.add(header);
        for (int i = 0; i < labels.length; i++) {
            String[] row = new String[FEATURES + 1];
            row[0] = Integer.toString(labels[i]);
            for (int j = 0; j < FEATURES; j++) {
                row[j + 1] = Float.toString(features[i][j]);
            }
            t.add(row);
        }
        return t;
    }

    static Path csv(Path file, List<String[]> table) throws IOException {
        StringBuilder s = new StringBuilder();
        for (String[] row : table) {
            s.append(String.join(",", row)).append('\n');
        }
        Files.writeString(file, s);
        return file;
    }

    static Path copyOfTrain(Path dir, String name) {
        Path p = dir.resolve(name);
        CliHarness.copyTree(trainParquet, p);
        return p;
    }

    static Path partFile(Path parquetDir) throws IOException {
        try (Stream<Path> s = Files.list(parquetDir)) {
            return s.filter(p -> p.getFileName().toString().startsWith("part-")).findFirst().orElseThrow();
        }
    }

    static List<String> checkpointNames(Path run) throws IOException {
        try (Stream<Path> s = Files.list(run.resolve("checkpoints"))) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".ckpt") && !n.startsWith(".")).sorted().toList();
        }
    }

    /** Hadoop's local file system keeps a ".NAME.crc" checksum file next to what it writes; remove it. */
    static void removeSidecar(Path file) throws IOException {
        Files.deleteIfExists(file.resolveSibling("." + file.getFileName() + ".crc"));
    }

    static void truncate(Path file, long length) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(length);
        }
    }

    static void flipBit(Path file, long offset, int bit) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(offset);
            int b = f.read();
            f.seek(offset);
            f.write(b ^ (1 << bit));
        }
    }

    static void overwrite(Path file, long offset, long length, byte value) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(offset);
            byte[] bytes = new byte[(int) length];
            Arrays.fill(bytes, value);
            f.write(bytes);
        }
    }

    /** The u16 version field right after the 4-byte magic number "SLCK" (CheckpointCodec's format). */
    static void patchVersion(Path file, int version) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(0);
            assertThat(f.readInt()).as("magic number").isEqualTo(0x534C434B);
            f.writeShort(version);
        }
    }

    /** Recomputes the trailing CRC32C (big-endian u32 over everything before it). */
    static void fixCrc(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, bytes.length - 4);
        ByteBuffer.wrap(bytes, bytes.length - 4, 4).putInt((int) crc.getValue());
        Files.write(file, bytes);
    }
}
