package dev.sparklamb.submit;

import dev.sparklamb.optim.InvalidGradientException;
import dev.sparklamb.spark.config.ConfigurationException;
import dev.sparklamb.spark.data.DataException;
import dev.sparklamb.spark.lease.LeaseHeldException;
import dev.sparklamb.spark.train.TrainingDivergedException;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code spark-lamb} command: train, evaluate, predict, import-mnist, import-text. Exit codes: see {@link ExitCode}. */
@Command(name = "spark-lamb", mixinStandardHelpOptions = true, version = "spark-lamb 0.1.0",
        description = "Synchronous data-parallel training of DL4J networks on Apache Spark with LAMB.",
        subcommands = {TrainCommand.class, EvaluateCommand.class, PredictCommand.class, ImportMnistCommand.class, ImportTextCommand.class,
                CommandLine.HelpCommand.class},
        footer = {"", "Exit codes: 0 success, 1 infrastructure/unexpected failure, 2 bad configuration or arguments, "
                + "3 bad input data, 4 training diverged, 5 another run holds the output directory's lease."})
public final class SparkLambCli implements Callable<Integer> {

    private static final Logger LOG = LoggerFactory.getLogger(SparkLambCli.class);

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(System.err);
        return ExitCode.BAD_CONFIGURATION.code;
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns the exit code (never calls {@code System.exit}). */
    public static int run(String... args) {
        CommandLine cli = new CommandLine(new SparkLambCli());
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> handle(e));
        cli.setParameterExceptionHandler((e, a) -> {
            System.err.println("spark-lamb: " + e.getMessage());
            e.getCommandLine().usage(System.err);
            return ExitCode.BAD_CONFIGURATION.code;
        });
        return cli.execute(args);
    }

    static int handle(Throwable e) {
        Throwable known = find(e);
        ExitCode code;
        if (known instanceof ConfigurationException) {
            code = ExitCode.BAD_CONFIGURATION;
        } else if (known instanceof DataException) {
            code = ExitCode.BAD_DATA;
        } else if (known instanceof InvalidGradientException || known instanceof TrainingDivergedException) {
            code = ExitCode.DIVERGED;
        } else if (known instanceof LeaseHeldException) {
            code = ExitCode.LEASE_HELD;
        } else if (known instanceof IllegalArgumentException && known.getMessage() != null && known.getMessage().startsWith("spark-lamb.")) {
            code = ExitCode.BAD_CONFIGURATION;
        } else {
            LOG.error("failed", e);
            System.err.println("spark-lamb: failed: " + e);
            return ExitCode.FAILURE.code;
        }
        System.err.println("spark-lamb: error: " + known.getMessage());
        return code.code;
    }

    /** The first of our own exception types in the cause chain (Spark wraps task failures). */
    private static Throwable find(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ConfigurationException || t instanceof DataException || t instanceof InvalidGradientException
                    || t instanceof TrainingDivergedException || t instanceof LeaseHeldException
                    || t instanceof IllegalArgumentException && t.getMessage() != null && t.getMessage().startsWith("spark-lamb.")) {
                return t;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return e;
    }
}
