package dev.sparklamb.submit;

import static dev.sparklamb.submit.DamagedFiles.fixCrc;
import static dev.sparklamb.submit.DamagedFiles.flipBit;
import static dev.sparklamb.submit.DamagedFiles.patchVersion;
import static dev.sparklamb.submit.DamagedFiles.removeSidecar;
import static dev.sparklamb.submit.DamagedFiles.truncate;
import static dev.sparklamb.submit.HostileCases.CONFIG;
import static dev.sparklamb.submit.HostileCases.DATA;
import static dev.sparklamb.submit.HostileCases.OK;
import static dev.sparklamb.submit.HostileCases.named;
import static dev.sparklamb.submit.HostileFixtures.NEWEST;
import static dev.sparklamb.submit.HostileFixtures.baseRun;
import static dev.sparklamb.submit.HostileFixtures.checkpointNames;
import static dev.sparklamb.submit.HostileFixtures.goodConf;
import static dev.sparklamb.submit.HostileFixtures.root;
import static dev.sparklamb.submit.HostileFixtures.trainArgs;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sparklamb.optim.StateFormatException;
import dev.sparklamb.spark.checkpoint.CheckpointCodec;
import dev.sparklamb.submit.HostileCases.Invocation;
import dev.sparklamb.submit.HostileCases.Setup;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Function;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.params.provider.Arguments;

/**
 * Checkpoints: a copy of the finished base run, damaged, then {@code train --resume}. A damaged newest checkpoint is
 * skipped for the previous one (the run finishes, saying so in the log); checkpoints of another model or
 * configuration, or a resume that changes a key that may not change, are refused and change nothing.
 */
final class HostileCheckpointCases {

    private HostileCheckpointCases() {
    }

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
                Files.copy(f, checkpoints.resolve(f.getFileName().toString()), StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
