package dev.sparklamb.submit;

import static dev.sparklamb.submit.HostileCases.CONFIG;
import static dev.sparklamb.submit.HostileCases.named;
import static dev.sparklamb.submit.HostileFixtures.copyOfTrain;
import static dev.sparklamb.submit.HostileFixtures.goodConf;
import static dev.sparklamb.submit.HostileFixtures.testParquet;
import static dev.sparklamb.submit.HostileFixtures.trainArgs;
import static dev.sparklamb.submit.HostileFixtures.x;
import static dev.sparklamb.submit.HostileFixtures.y;
import static dev.sparklamb.submit.TestData.csv;
import static dev.sparklamb.submit.TestData.table;

import dev.sparklamb.submit.HostileCases.Invocation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.provider.Arguments;

/** Output paths: an output or checkpoint directory that cannot be written, or that lies inside the input data. */
final class HostileOutputCases {

    private HostileOutputCases() {
    }

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
}
