package dev.sparklamb.submit;

import dev.sparklamb.spark.io.HadoopFiles;
import dev.sparklamb.spark.config.ConfigLoader;
import dev.sparklamb.spark.config.ConfigurationException;
import dev.sparklamb.spark.config.RunConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.hadoop.conf.Configuration;

/** Reads a run's configuration file from any Hadoop FileSystem URI and applies the command line's overrides. */
final class ConfigFiles {

    private ConfigFiles() {
    }

    static RunConfig load(String path, List<String> overrides) {
        if (path == null) {
            return ConfigLoader.load("", "(no configuration file)", overrides);
        }
        String text;
        try {
            text = new String(HadoopFiles.readAll(path, new Configuration()), StandardCharsets.UTF_8);
        } catch (java.io.FileNotFoundException e) {
            throw new ConfigurationException("configuration file '" + path + "' does not exist", e);
        } catch (IOException e) {
            throw new ConfigurationException("cannot read configuration file '" + path + "': " + e.getMessage(), e);
        }
        return ConfigLoader.load(text, path, overrides);
    }
}
