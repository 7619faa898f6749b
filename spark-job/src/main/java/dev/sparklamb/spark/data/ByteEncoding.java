package dev.sparklamb.spark.data;

import java.util.Optional;

/**
 * The lossless one-byte forms of float features that both caches use ({@link ByteFeatures} in the heap,
 * {@link DiskRows} on disk): a value is stored as a byte b only when it is bitwise the float that b decodes to, so
 * decoding through the 256-entry {@link #table()} gives back exactly the floats of the data (-0.0f, NaN and anything
 * between two decodings are not encodable, and their partition keeps float32).
 */
enum ByteEncoding {
    /** b decodes to {@code b / 255f}: pixels as {@code import-mnist} writes them. */
    SCALED_BYTE(255f),
    /** b decodes to {@code (float) b}: integers 0..255. */
    INTEGER_BYTE(1f);

    private final float scale;
    private final float[] table = new float[256];

    ByteEncoding(float scale) {
        this.scale = scale;
        for (int b = 0; b < 256; b++) {
            table[b] = b / scale;
        }
    }

    /**
     * The decoding: {@code table()[b & 0xff]} is the float of byte b. Not a copy (a lookup in a plain loop is what keeps
     * decoding as fast as a copy); do not change it.
     */
    float[] table() {
        return table;
    }

    /** Whether {@code v} is bitwise the decoding of some byte. */
    boolean holds(float v) {
        int b = Math.round(v * scale);
        return b >= 0 && b <= 255 && Float.floatToRawIntBits(table[b]) == Float.floatToRawIntBits(v);
    }

    /** The byte that decodes to {@code v}; only for values this encoding {@link #holds}. */
    byte encode(float v) {
        return (byte) Math.round(v * scale);
    }

    /** Finds the byte encoding that every value of a partition allows, as the values stream past. */
    static final class Detector {

        private boolean scaled = true;
        private boolean integer = true;
        private long values;

        /** Takes {@code values[from .. from + count)} into account. */
        void add(float[] values, int from, int count) {
            boolean s = scaled;
            boolean n = integer;
            for (int k = from; k < from + count; k++) {
                float v = values[k];
                s = s && SCALED_BYTE.holds(v);
                n = n && INTEGER_BYTE.holds(v);
            }
            scaled = s;
            integer = n;
            this.values += count;
        }

        /**
         * The encoding every value seen allows ({@link #SCALED_BYTE} when both do: values 0 and 1 only), or empty when
         * some value allows neither or there were no values: then the partition keeps float32.
         */
        Optional<ByteEncoding> encoding() {
            if (values == 0) {
                return Optional.empty();
            }
            return scaled ? Optional.of(SCALED_BYTE) : integer ? Optional.of(INTEGER_BYTE) : Optional.empty();
        }
    }
}
