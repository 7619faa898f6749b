package dev.sparklamb.spark.data;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A disk block ({@code spark-lamb.data.cache = disk}) gives back exactly the floats and token ids it was written with,
 * whichever encoding the values allow, and its file goes away on close. The reference is the in-memory float32 block
 * built from the same arrays. The memory cache's block of the same rows chooses the same encoding (one byte per value
 * in the heap) and gives the same floats.
 */
class DiskRowsTest {

    static final int N = 300;
    static final int D = 13;

    /** Rows of {@code values} written to disk, compared bitwise with the same rows in memory, in a shuffled row order. */
    static DiskRows.Encoding roundTrip(float[][] values) {
        long[] ids = new long[values.length];
        int[] labels = new int[values.length];
        float[] flat = new float[values.length * D];
        ExampleBlock disk;
        try (DiskRows.Writer w = new DiskRows.Writer(D, false)) {
            for (int i = 0; i < values.length; i++) {
                ids[i] = 10L * i;
                labels[i] = i % 7;
                System.arraycopy(values[i], 0, flat, i * D, D);
                w.addFeatures(values[i]);
            }
            disk = ExampleBlock.onDisk(4, D, ids, labels, w.finish());
        }
        ExampleBlock memory = new ExampleBlock(4, D, ids, flat, labels);
        int[] rows = shuffledRows(values.length);
        float[] a = new float[(rows.length - 5) * D];
        float[] b = new float[a.length];
        disk.gatherFeatures(rows, 5, rows.length - 5, a);
        memory.gatherFeatures(rows, 5, rows.length - 5, b);
        for (int k = 0; k < a.length; k++) {
            assertThat(Float.floatToRawIntBits(a[k])).as("value %d", k).isEqualTo(Float.floatToRawIntBits(b[k]));
        }
        for (int r = 0; r < values.length; r++) {
            assertThat(disk.id(r)).isEqualTo(ids[r]);
            assertThat(disk.label(r)).isEqualTo(labels[r]);
        }
        assertThat(disk.isLocal()).isTrue();
        DiskRows.Encoding encoding = disk.diskRows().encoding();
        File file = disk.diskRows().file();
        assertThat(file).exists();
        assertThat(file.length()).isEqualTo((long) values.length * D * (encoding == DiskRows.Encoding.FLOAT32 ? 4 : 1));
        ExampleBlock cached = ExampleBlockGatherTest.memoryCacheBlock(values, D);
        assertThat(cached.storage()).isEqualTo("memory " + encoding.name().toLowerCase(java.util.Locale.ROOT) + ", " + file.length() + " bytes");
        ExampleBlockGatherTest.assertSameRows(cached, memory);
        disk.close();
        assertThat(file).doesNotExist();
        return encoding;
    }

    static int[] shuffledRows(int n) {
        int[] rows = new int[n];
        for (int i = 0; i < n; i++) {
            rows[i] = i;
        }
        Random r = new Random(3);
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = rows[i];
            rows[i] = rows[j];
            rows[j] = t;
        }
        return rows;
    }

    static float[][] values(java.util.function.IntUnaryOperator byte0To255, java.util.function.IntFunction<Float> decode) {
        Random r = new Random(7);
        float[][] v = new float[N][D];
        for (float[] row : v) {
            for (int k = 0; k < D; k++) {
                row[k] = decode.apply(byte0To255.applyAsInt(r.nextInt(256)));
            }
        }
        v[0][0] = decode.apply(0);
        v[1][1] = decode.apply(255);
        return v;
    }

    @Test
    void pixelsScaledTo01AreStoredAsBytes() {
        // what import-mnist writes: (b & 0xff) / 255f
        assertThat(roundTrip(values(b -> b, b -> (b & 0xff) / 255f))).isEqualTo(DiskRows.Encoding.SCALED_BYTE);
    }

    @Test
    void integers0To255AreStoredAsBytes() {
        assertThat(roundTrip(values(b -> b, b -> (float) b))).isEqualTo(DiskRows.Encoding.INTEGER_BYTE);
    }

    @Test
    void anyOtherValueKeepsFloat32() {
        float[][] v = values(b -> b, b -> b / 255f);
        v[N - 1][D - 1] = Math.nextUp(v[N - 1][D - 1]); // one value that is not b / 255f
        assertThat(roundTrip(v)).isEqualTo(DiskRows.Encoding.FLOAT32);
        float[][] negativeZero = values(b -> b, b -> (float) b);
        negativeZero[3][3] = -0.0f; // equals 0 but is not bitwise 0f
        assertThat(roundTrip(negativeZero)).isEqualTo(DiskRows.Encoding.FLOAT32);
        float[][] gaussian = new float[N][D];
        Random r = new Random(1);
        for (float[] row : gaussian) {
            for (int k = 0; k < D; k++) {
                row[k] = (float) r.nextGaussian();
            }
        }
        assertThat(roundTrip(gaussian)).isEqualTo(DiskRows.Encoding.FLOAT32);
    }

    @Test
    void rowsAreFoundAcrossSeveralMappings() {
        // Files over 2 GB are mapped in pieces of whole rows; pieces of 3 rows exercise the same addressing.
        float[][] v = values(b -> b, b -> b / 255f);
        try (DiskRows.Writer w = new DiskRows.Writer(D, false)) {
            long[] ids = new long[N];
            for (float[] row : v) {
                w.addFeatures(row);
            }
            ExampleBlock disk = ExampleBlock.onDisk(0, D, ids, new int[N], w.finish().withMapBytes(3 * D + 2));
            int[] rows = shuffledRows(N);
            float[] x = new float[N * D];
            disk.gatherFeatures(rows, 0, N, x);
            for (int i = 0; i < N; i++) {
                for (int k = 0; k < D; k++) {
                    assertThat(x[i * D + k]).isEqualTo(v[rows[i]][k]);
                }
            }
            disk.close();
        }
    }

    @Test
    void tokenIdsComeBackAsWritten() {
        Random r = new Random(5);
        int[][] tokens = new int[N][D];
        int[] lengths = new int[N];
        ExampleBlock disk;
        try (DiskRows.Writer w = new DiskRows.Writer(D, true)) {
            for (int i = 0; i < N; i++) {
                for (int k = 0; k < D; k++) {
                    tokens[i][k] = r.nextInt(Integer.MAX_VALUE);
                }
                lengths[i] = 1 + r.nextInt(D);
                w.addTokens(tokens[i]);
            }
            disk = ExampleBlock.onDisk(0, D, new long[N], lengths.clone(), w.finish());
        }
        assertThat(disk.isTokens()).isTrue();
        int[] row = new int[D];
        for (int i = 0; i < N; i++) {
            disk.tokenRow(i, row);
            assertThat(row).containsExactly(tokens[i]);
            assertThat(disk.length(i)).isEqualTo(lengths[i]);
        }
        disk.close();
    }
}
