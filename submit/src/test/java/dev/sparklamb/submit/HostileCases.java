package dev.sparklamb.submit;

import java.nio.file.Path;
import java.util.List;
import java.util.function.BiConsumer;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.provider.Arguments;

/**
 * What a case of {@link HostileInputTest} is: its name, the exit code it expects ({@link ExitCode}), the parts its
 * message must hold, and the setup that prepares its files and returns the command line to run. The case tables
 * ({@code Hostile*Cases}) build their rows with {@link #named}.
 */
final class HostileCases {

    private HostileCases() {
    }

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

    static Arguments named(String name, int exit, List<String> parts, Setup setup) {
        return Arguments.of(Named.of(name, new Case(name, exit, parts, setup)));
    }

    /** The exit codes the case tables expect (see {@link ExitCode}). */
    static final int OK = ExitCode.SUCCESS.code;
    static final int CONFIG = ExitCode.BAD_CONFIGURATION.code;
    static final int DATA = ExitCode.BAD_DATA.code;
    static final int LEASE = ExitCode.LEASE_HELD.code;
}
