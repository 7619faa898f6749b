package dev.sparklamb.submit;

import static dev.sparklamb.submit.HostileCases.CONFIG;
import static dev.sparklamb.submit.HostileCases.DATA;
import static dev.sparklamb.submit.HostileCases.named;
import static dev.sparklamb.submit.HostileFixtures.MASTER;
import static dev.sparklamb.submit.HostileFixtures.confWith;
import static dev.sparklamb.submit.HostileFixtures.goodConf;
import static dev.sparklamb.submit.HostileFixtures.goodHocon;
import static dev.sparklamb.submit.HostileFixtures.trainArgs;

import dev.sparklamb.submit.HostileCases.Invocation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.provider.Arguments;

/**
 * Configuration files and the command line: unknown keys, values of the wrong kind, files that are not HOCON, missing
 * or unreadable, and options or commands that do not exist.
 */
final class HostileConfigurationCases {

    private HostileConfigurationCases() {
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
}
