package dev.sparklamb.spark.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The IDX format of MNIST and Fashion-MNIST (unsigned-byte tensors; magic {@code 0x00000801} for labels,
 * {@code 0x00000803} for images), plain or gzipped, read through the Hadoop FileSystem API.
 *
 * @param dims   dimensions, e.g. {@code [60000, 28, 28]} or {@code [60000]}
 * @param values all values, row-major, 0..255
 */
public record IdxFile(int[] dims, byte[] values) {

    public int count() {
        return dims[0];
    }

    /** Values per item (784 for 28x28 images, 1 for labels). */
    public int itemSize() {
        int n = 1;
        for (int i = 1; i < dims.length; i++) {
            n *= dims[i];
        }
        return n;
    }

    public static IdxFile read(String path, Configuration hadoop) {
        Path p = new Path(path);
        try {
            FileSystem fs = p.getFileSystem(hadoop);
            if (!fs.exists(p)) {
                throw new DataException("IDX file '" + path + "' does not exist");
            }
            try (InputStream raw = new BufferedInputStream(fs.open(p))) {
                raw.mark(2);
                boolean gz = raw.read() == 0x1f && raw.read() == 0x8b;
                raw.reset();
                DataInputStream in = new DataInputStream(new BufferedInputStream(gz ? new GZIPInputStream(raw) : raw));
                int magic = in.readInt();
                if ((magic >>> 8) != 0x08 || (magic & 0xff) < 1 || (magic & 0xff) > 4) {
                    throw new DataException("'" + path + "' is not an unsigned-byte IDX file (magic number 0x" + Integer.toHexString(magic)
                            + ", expected 0x00000801..0x00000804)");
                }
                int[] dims = new int[magic & 0xff];
                long total = 1;
                for (int i = 0; i < dims.length; i++) {
                    dims[i] = in.readInt();
                    if (dims[i] < 0) {
                        throw new DataException("'" + path + "': negative dimension " + dims[i]);
                    }
                    total *= dims[i];
                }
                if (total > Integer.MAX_VALUE - 8) {
                    throw new DataException("'" + path + "': " + total + " values are more than this reader supports");
                }
                byte[] values = new byte[(int) total];
                in.readFully(values);
                return new IdxFile(dims, values);
            }
        } catch (EOFException e) {
            throw new DataException("IDX file '" + path + "' is truncated (shorter than its header says)", e);
        } catch (IOException e) {
            throw new DataException("cannot read IDX file '" + path + "': " + e.getMessage(), e);
        }
    }
}
