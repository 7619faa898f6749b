package dev.sparklamb.submit;

import static dev.sparklamb.submit.DamagedFiles.truncate;
import static dev.sparklamb.submit.HostileCases.CONFIG;
import static dev.sparklamb.submit.HostileCases.DATA;
import static dev.sparklamb.submit.HostileCases.named;
import static dev.sparklamb.submit.HostileFixtures.MASTER;
import static dev.sparklamb.submit.HostileFixtures.baseRun;
import static dev.sparklamb.submit.HostileFixtures.goodConf;
import static dev.sparklamb.submit.HostileFixtures.spark;
import static dev.sparklamb.submit.HostileFixtures.testParquet;
import static dev.sparklamb.submit.HostileFixtures.x;
import static dev.sparklamb.submit.HostileFixtures.y;
import static dev.sparklamb.submit.TestData.copy;
import static dev.sparklamb.submit.TestData.parquet;
import static dev.sparklamb.submit.TestData.rows;

import dev.sparklamb.submit.HostileCases.Invocation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.provider.Arguments;

/** {@code evaluate}: a model file that is not a model, cut short or missing, data that does not fit, options missing. */
final class HostileEvaluateCases {

    private HostileEvaluateCases() {
    }

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
                    Path data = parquet(spark, dir.resolve("short.parquet"), rows(bad, Arrays.copyOf(y, 100)));
                    return new Invocation(evaluateArgs(baseRun.resolve("model.zip"), data), null, null);
                }),
                named("evaluate: --data missing", CONFIG, List.of("--data"),
                        dir -> new Invocation(new String[] {"evaluate", "--model", baseRun.resolve("model.zip").toString()}, null, null)));
    }
}
