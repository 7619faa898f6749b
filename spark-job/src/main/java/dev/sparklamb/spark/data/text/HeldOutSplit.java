package dev.sparklamb.spark.data.text;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Which documents are held out: a document is held out when {@code u < fraction}, where {@code u} in [0, 1) is the
 * first 8 bytes (big-endian, unsigned) of SHA-256 over the UTF-8 bytes of {@code seed + ":" + name} divided by 2^64, and
 * {@code name} is the file's name without its directory. The choice depends only on the name, the seed and the fraction:
 * not on the other files, their order, the file system or the cluster; raising the fraction only adds documents.
 */
public final class HeldOutSplit {

    private HeldOutSplit() {
    }

    /** The document's position {@code u} in [0, 1). */
    public static double position(String name, long seed) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest((seed + ":" + name).getBytes(StandardCharsets.UTF_8));
            long top = 0;
            for (int i = 0; i < 8; i++) {
                top = (top << 8) | (h[i] & 0xff);
            }
            // unsigned 64-bit / 2^64: the top 53 bits keep it exact in a double and below 1
            return (top >>> 11) * 0x1.0p-53;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    public static boolean isHeldOut(String name, long seed, double fraction) {
        return position(name, seed) < fraction;
    }
}
