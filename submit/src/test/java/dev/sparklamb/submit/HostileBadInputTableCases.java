package dev.sparklamb.submit;

import static dev.sparklamb.submit.HostileCases.named;
import static dev.sparklamb.submit.HostileFixtures.SIDE;
import static dev.sparklamb.submit.HostileFixtures.goodHocon;
import static dev.sparklamb.submit.HostileFixtures.spark;
import static dev.sparklamb.submit.HostileFixtures.testParquet;
import static dev.sparklamb.submit.HostileFixtures.trainArgs;
import static dev.sparklamb.submit.HostileFixtures.trainCsv;
import static dev.sparklamb.submit.HostileFixtures.trainParquet;
import static dev.sparklamb.submit.HostileFixtures.x;
import static dev.sparklamb.submit.HostileFixtures.y;

import dev.sparklamb.spark.BadInputCases;
import dev.sparklamb.spark.TestSpark;
import dev.sparklamb.submit.HostileCases.Invocation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.params.provider.Arguments;

/** The shared bad-input table ({@link BadInputCases}, also run through the library by spark-job's BadInputTest). */
final class HostileBadInputTableCases {

    private HostileBadInputTableCases() {
    }

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
}
