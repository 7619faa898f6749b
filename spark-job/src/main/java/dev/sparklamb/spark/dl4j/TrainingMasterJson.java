package dev.sparklamb.spark.dl4j;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigRenderOptions;
import dev.sparklamb.spark.config.ConfigLoader;
import dev.sparklamb.spark.config.ConfigurationException;
import dev.sparklamb.spark.config.ResolvedConfiguration;
import dev.sparklamb.spark.config.RunConfig;
import java.util.List;
import java.util.Set;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.nd4j.shade.jackson.dataformat.yaml.YAMLFactory;

/**
 * {@link LambTrainingMaster}'s settings as JSON or YAML ({@code toJson}, {@code toYaml}, {@code fromJson}): the keys of
 * the configuration sections a training master uses, every one with the value in effect, under {@code spark-lamb}.
 */
final class TrainingMasterJson {

    private static final String ROOT = "spark-lamb";
    /** The configuration sections that a training master uses; the others (model, data paths, output) come from DL4J. */
    static final List<String> SECTIONS = List.of("seed", "data.partitions", "data.cache", "training", "optimizer");

    private TrainingMasterJson() {
    }

    /** Every key of {@link #SECTIONS} with its value in {@code config}, as formatted JSON. */
    static String toJson(RunConfig config) {
        StringBuilder hocon = new StringBuilder();
        ResolvedConfiguration.of(config).values().forEach((key, value) -> {
            if (shown(key.substring(ROOT.length() + 1))) {
                hocon.append(key).append(" = ").append(value).append('\n');
            }
        });
        return ConfigFactory.parseString(hocon.toString()).root().render(ConfigRenderOptions.concise().setFormatted(true));
    }

    private static boolean shown(String key) {
        return SECTIONS.stream().anyMatch(s -> key.equals(s) || key.startsWith(s + "."));
    }

    /** {@link #toJson} as YAML. */
    static String toYaml(RunConfig config) {
        try {
            return new ObjectMapper(new YAMLFactory()).writeValueAsString(new ObjectMapper().readTree(toJson(config)));
        } catch (java.io.IOException e) {
            throw new IllegalStateException("could not convert the settings to YAML: " + e.getMessage(), e);
        }
    }

    /**
     * The validated settings {@code json} holds (as {@link #toJson} writes them; keys left out take the defaults).
     *
     * @throws IllegalArgumentException when {@code json} is not JSON of that shape
     * @throws ConfigurationException   naming the key, when a value is not valid
     */
    static RunConfig fromJson(String json) {
        Config parsed;
        try {
            parsed = ConfigFactory.parseString(json);
        } catch (ConfigException e) {
            throw new IllegalArgumentException("LambTrainingMaster.fromJson: not valid JSON: " + e.getMessage(), e);
        }
        Set<String> allowed = Set.of("seed", "data", "training", "optimizer");
        boolean shaped;
        try {
            shaped = parsed.root().keySet().equals(Set.of(ROOT)) && allowed.containsAll(parsed.getObject(ROOT).keySet())
                    && (!parsed.hasPath(ROOT + ".data") || Set.of("partitions", "cache").containsAll(parsed.getObject(ROOT + ".data").keySet()));
        } catch (ConfigException.WrongType e) {
            shaped = false;
        }
        if (!shaped) {
            throw new IllegalArgumentException("LambTrainingMaster.fromJson: expected one object '" + ROOT + "' holding only "
                    + SECTIONS + " (as toJson() writes), got " + parsed.root().render(ConfigRenderOptions.concise()));
        }
        try {
            return ConfigLoader.fromConfig(parsed);
        } catch (ConfigurationException e) {
            throw new ConfigurationException("LambTrainingMaster: " + e.getMessage(), e);
        }
    }
}
