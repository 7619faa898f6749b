package dev.sparklamb.spark.io;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/** Whole small files (configurations, models, reports) read and written through the Hadoop FileSystem API, any URI. */
public final class HadoopFiles {

    private HadoopFiles() {
    }

    /**
     * @throws FileNotFoundException only when nothing exists at {@code path} (callers turn it into their own message);
     *                               a directory or an unreadable file is a plain {@link IOException}
     */
    public static byte[] readAll(String path, Configuration hadoop) throws IOException {
        Path p = new Path(path);
        FileSystem fs = p.getFileSystem(hadoop);
        if (!fs.exists(p)) {
            throw new FileNotFoundException(path);
        }
        if (fs.getFileStatus(p).isDirectory()) {
            throw new IOException("'" + path + "' is a directory, not a file");
        }
        try (InputStream in = fs.open(p)) {
            return in.readAllBytes();
        } catch (FileNotFoundException unreadable) {
            // it exists: open() reports permission problems this way; not the caller's "does not exist"
            throw new IOException(unreadable.getMessage(), unreadable);
        }
    }

    /**
     * Writes {@code bytes} to {@code path} atomically: under a hidden temporary name next to it, then renamed into place
     * (replacing an existing file), so a reader never sees a partial file. Missing parent directories are created.
     */
    public static void writeAtomically(String path, byte[] bytes, Configuration hadoop) throws IOException {
        Path target = new Path(path);
        FileSystem fs = target.getFileSystem(hadoop);
        Path tmp = new Path(target.getParent(), "." + target.getName() + ".tmp");
        try (java.io.OutputStream out = fs.create(tmp, true)) {
            out.write(bytes);
        }
        if (fs.exists(target) && fs.getFileStatus(target).isDirectory()) {
            fs.delete(tmp, false);
            throw new IOException("'" + path + "' is a directory, not a file");
        }
        fs.delete(target, false); // HDFS's rename never replaces an existing file
        if (!fs.rename(tmp, target)) {
            throw new IOException("rename " + tmp + " -> " + target + " failed");
        }
    }
}
