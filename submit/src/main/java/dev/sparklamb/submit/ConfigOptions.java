package dev.sparklamb.submit;

import dev.sparklamb.spark.config.RunConfig;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** The configuration options every command that reads a run configuration shares ({@code -c} and {@code --set}). */
final class ConfigOptions {

    @Option(names = {"-c", "--config"}, paramLabel = "FILE",
            description = "Run configuration (HOCON), layered over conf/spark-lamb-defaults.conf. Any Hadoop URI.")
    String config;

    @Option(names = {"-s", "--set"}, paramLabel = "KEY=VALUE",
            description = "Override one key, e.g. --set spark-lamb.training.epochs=5 (repeatable).")
    List<String> overrides = new ArrayList<>();

    /** The configuration file with the {@code --set} overrides, then {@code extra} ones, applied. */
    RunConfig load(String... extra) {
        List<String> all = new ArrayList<>(overrides);
        all.addAll(List.of(extra));
        return ConfigFiles.load(config, all);
    }
}
