package dev.sparklamb.spark.io;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/** Whole small files (configurations, models) read through the Hadoop FileSystem API, from any URI. */
public final class HadoopFiles {

    private HadoopFiles() {
    }

    /**
     * @throws FileNotFoundException when nothing exists at {@code path} (callers turn it into their own message)
     */
    public static byte[] readAll(String path, Configuration hadoop) throws IOException {
        Path p = new Path(path);
        FileSystem fs = p.getFileSystem(hadoop);
        if (!fs.exists(p)) {
            throw new FileNotFoundException(path);
        }
        try (InputStream in = fs.open(p)) {
            return in.readAllBytes();
        }
    }
}
