package dev.sparklamb.submit;

import dev.sparklamb.spark.config.ConfigLoader;
import dev.sparklamb.spark.config.ConfigurationException;
import dev.sparklamb.spark.config.RunConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/** Reads a run's configuration file from any Hadoop FileSystem URI and applies the command line's overrides. */
final class ConfigFiles {

    private ConfigFiles() {
    }

    static RunConfig load(String path, List<String> overrides) {
        if (path == null) {
            return ConfigLoader.load("", "(no configuration file)", overrides);
        }
        try {
            Path p = new Path(path);
            FileSystem fs = p.getFileSystem(new Configuration());
            if (!fs.exists(p)) {
                throw new ConfigurationException("configuration file '" + path + "' does not exist");
            }
            try (InputStream in = fs.open(p)) {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                in.transferTo(out);
                return ConfigLoader.load(out.toString(StandardCharsets.UTF_8), path, overrides);
            }
        } catch (IOException e) {
            throw new ConfigurationException("cannot read configuration file '" + path + "': " + e.getMessage(), e);
        }
    }
}
