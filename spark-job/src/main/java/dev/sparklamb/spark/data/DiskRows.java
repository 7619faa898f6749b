package dev.sparklamb.spark.data;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.File;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import org.apache.spark.SparkEnv;

/**
 * One partition's rows (features or token ids, row-major, in id order) in a file under Spark's local directories,
 * read through memory mappings: a step reads only its own rows, and the operating system's page cache holds what fits.
 * The file is written once ({@link Writer}) in the most compact lossless encoding that every value of the partition
 * allows ({@link Encoding}); decoding gives exactly the floats the rows were written with.
 *
 * <p>Offsets are longs: a file may pass 2 GB and is then mapped in several pieces, each holding whole rows. The file
 * belongs to the object the writer returned ({@link #close()} deletes it); a deserialized copy (a cached block fetched
 * by another executor) never deletes it, and is not {@link #isLocal() local} there.
 */
final class DiskRows implements Serializable {

    private static final long serialVersionUID = 1L;

    /** How each value is stored. */
    enum Encoding {
        /** One byte b per value, decoded as {@code b / 255f} (MNIST-like pixels): {@link ByteEncoding#SCALED_BYTE}. */
        SCALED_BYTE(1, ByteEncoding.SCALED_BYTE),
        /** One byte b per value, decoded as {@code (float) b} (integers 0..255): {@link ByteEncoding#INTEGER_BYTE}. */
        INTEGER_BYTE(1, ByteEncoding.INTEGER_BYTE),
        /** float32, little-endian. */
        FLOAT32(4, null),
        /** Token ids: int32, little-endian. */
        INT32(4, null);

        final int bytes;
        /** The one-byte encodings' decoding (else null). */
        final ByteEncoding byteEncoding;

        Encoding(int bytes, ByteEncoding byteEncoding) {
            this.bytes = bytes;
            this.byteEncoding = byteEncoding;
        }

        static Encoding of(ByteEncoding e) {
            return e == ByteEncoding.SCALED_BYTE ? SCALED_BYTE : INTEGER_BYTE;
        }
    }

    private final String path;
    private final String executorId;
    private final Encoding encoding;
    private final int width;
    private final int rows;
    /** Rows per mapping: whole rows, at most {@link Integer#MAX_VALUE} bytes. */
    private final int rowsPerMap;
    /** True only in the object the writer returned: the one that deletes the file. */
    private transient boolean owner;
    private transient volatile ByteBuffer[] maps;

    private DiskRows(String path, String executorId, Encoding encoding, int width, int rows, long mapBytes) {
        this.path = path;
        this.executorId = executorId;
        this.encoding = encoding;
        this.width = width;
        this.rows = rows;
        long rowBytes = Math.max(1L, (long) width * encoding.bytes);
        this.rowsPerMap = (int) Math.max(1, Math.min(Integer.MAX_VALUE, mapBytes / rowBytes));
        this.owner = true;
    }

    /** The same file mapped in pieces of at most {@code mapBytes} (whole rows; tests of the addressing across pieces). */
    DiskRows withMapBytes(long mapBytes) {
        DiskRows copy = new DiskRows(path, executorId, encoding, width, rows, mapBytes);
        copy.owner = owner;
        owner = false;
        return copy;
    }

    File file() {
        return new File(path);
    }

    Encoding encoding() {
        return encoding;
    }

    boolean isTokens() {
        return encoding == Encoding.INT32;
    }

    /** The file's size in bytes. */
    long bytes() {
        return (long) rows * width * encoding.bytes;
    }

    /** Whether this JVM is the executor that wrote the file (and it still exists): otherwise the rows are elsewhere. */
    boolean isLocal() {
        return executorId.equals(currentExecutor()) && new File(path).exists();
    }

    /** Copies the features of {@code rows[from .. from+count)} into {@code dst}, row-major. */
    void gatherFeatures(int[] rowIndex, int from, int count, float[] dst) {
        byte[] scratch = encoding.bytes == 1 ? new byte[width] : null;
        float[] table = encoding.byteEncoding != null ? encoding.byteEncoding.table() : null;
        for (int i = 0; i < count; i++) {
            int row = rowIndex[from + i];
            ByteBuffer map = map(row);
            int at = (row % rowsPerMap) * width;
            int d = i * width;
            switch (encoding) {
                case FLOAT32 -> map.asFloatBuffer().get(at, dst, d, width);
                case SCALED_BYTE, INTEGER_BYTE -> {
                    map.get(at, scratch, 0, width);
                    for (int k = 0; k < width; k++) {
                        dst[d + k] = table[scratch[k] & 0xff];
                    }
                }
                default -> throw new IllegalStateException("a token file has no float features");
            }
        }
    }

    /** Copies the token ids of {@code row} into {@code dst[0 .. width)}. */
    void tokens(int row, int[] dst) {
        if (encoding != Encoding.INT32) {
            throw new IllegalStateException("not a token file");
        }
        ByteBuffer map = map(row);
        map.asIntBuffer().get((row % rowsPerMap) * width, dst, 0, width);
    }

    private ByteBuffer map(int row) {
        ByteBuffer[] m = maps;
        if (m == null) {
            m = mapAll();
        }
        return m[row / rowsPerMap];
    }

    private synchronized ByteBuffer[] mapAll() {
        if (maps != null) {
            return maps;
        }
        if (!isLocal()) {
            throw new IllegalStateException("the cached rows in " + path + " were written by executor " + executorId
                    + ", not this one (" + currentExecutor() + ")");
        }
        int pieces = rows == 0 ? 0 : (rows - 1) / rowsPerMap + 1;
        ByteBuffer[] m = new ByteBuffer[pieces];
        long rowBytes = (long) width * encoding.bytes;
        try (FileChannel channel = FileChannel.open(new File(path).toPath(), StandardOpenOption.READ)) {
            for (int i = 0; i < pieces; i++) {
                long first = (long) i * rowsPerMap;
                long count = Math.min(rowsPerMap, rows - first);
                MappedByteBuffer piece = channel.map(FileChannel.MapMode.READ_ONLY, first * rowBytes, count * rowBytes);
                m[i] = piece.order(ByteOrder.LITTLE_ENDIAN);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("mapping the cached rows in " + path, e);
        }
        maps = m;
        return m;
    }

    /** Deletes the file if this object wrote it (a mapping still in use stays readable until it is collected). */
    void close() {
        maps = null;
        if (owner) {
            owner = false;
            new File(path).delete();
        }
    }

    static String currentExecutor() {
        SparkEnv env = SparkEnv.get();
        return env == null ? "no-spark" : env.executorId();
    }

    /** A new file in Spark's local directories (deleted with them when the executor stops), or the JVM's temp dir without Spark. */
    private static File newFile() throws IOException {
        SparkEnv env = SparkEnv.get();
        if (env == null) {
            File f = File.createTempFile("spark-lamb-rows", ".bin");
            f.deleteOnExit();
            return f;
        }
        return env.blockManager().diskBlockManager().createTempLocalBlock()._2();
    }

    /**
     * Streams rows into a file: features as float32 while checking whether every value fits a byte encoding (then
     * rewritten as bytes at {@link #finish}), token ids as int32.
     */
    static final class Writer implements AutoCloseable {

        private final int width;
        private final boolean tokens;
        private final File file;
        private final OutputStream out;
        private final ByteBuffer row;
        private int rows;
        private final ByteEncoding.Detector detector = new ByteEncoding.Detector();
        private boolean done;

        Writer(int width, boolean tokens) {
            this.width = width;
            this.tokens = tokens;
            try {
                this.file = newFile();
                this.out = new BufferedOutputStream(new FileOutputStream(file), 1 << 16);
            } catch (IOException e) {
                throw new UncheckedIOException("creating a cache file in Spark's local directories (spark.local.dir)", e);
            }
            this.row = ByteBuffer.allocate(width * 4).order(ByteOrder.LITTLE_ENDIAN);
        }

        void addFeatures(float[] x) {
            row.clear();
            detector.add(x, 0, width);
            for (int k = 0; k < width; k++) {
                row.putFloat(x[k]);
            }
            write();
        }

        void addTokens(int[] ids) {
            row.clear();
            for (int k = 0; k < width; k++) {
                row.putInt(ids[k]);
            }
            write();
        }

        private void write() {
            try {
                out.write(row.array(), 0, row.position());
            } catch (IOException e) {
                throw new UncheckedIOException("writing the cache file " + file, e);
            }
            rows++;
        }

        /** Closes the file, rewriting it in bytes when every value allowed that. */
        DiskRows finish() {
            try {
                out.close();
                Encoding encoding = tokens ? Encoding.INT32 : detector.encoding().map(Encoding::of).orElse(Encoding.FLOAT32);
                File result = encoding.bytes == 1 ? toBytes(encoding) : file;
                done = true;
                return new DiskRows(result.getPath(), currentExecutor(), encoding, width, rows, Integer.MAX_VALUE);
            } catch (IOException e) {
                throw new UncheckedIOException("writing the cache file " + file, e);
            }
        }

        private File toBytes(Encoding encoding) throws IOException {
            File bytes = newFile();
            try (DataInputStream in = new DataInputStream(new BufferedInputStream(new FileInputStream(file), 1 << 16));
                 OutputStream o = new BufferedOutputStream(new FileOutputStream(bytes), 1 << 16)) {
                byte[] le = new byte[4];
                for (long i = 0, n = (long) rows * width; i < n; i++) {
                    in.readFully(le);
                    float v = Float.intBitsToFloat((le[0] & 0xff) | (le[1] & 0xff) << 8 | (le[2] & 0xff) << 16 | (le[3] & 0xff) << 24);
                    o.write(encoding.byteEncoding.encode(v));
                }
            }
            Files.delete(file.toPath());
            return bytes;
        }

        /** Deletes the file when {@link #finish} did not complete (a failed task). */
        @Override
        public void close() {
            if (done) {
                return;
            }
            try {
                out.close();
            } catch (IOException ignored) {
                // the file is deleted below
            }
            file.delete();
        }
    }
}
