package dev.sparklamb.spark.checkpoint;

import dev.sparklamb.optim.OptimizerState;
import dev.sparklamb.optim.OptimizerStateCodec;
import dev.sparklamb.optim.StateFormatException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/**
 * Binary checkpoint format (never Java serialization):
 * <pre>
 * "SLCK" | u16 version | i64 nextStep | i64 skippedSteps | i32 consecutiveBadSteps | UTF fingerprint
 * | i64 parameter count | float32 LE parameters | i64 optimizer-state length | optimizer state (OptimizerStateCodec)
 * | u32 CRC32C of everything before it
 * </pre>
 */
public final class CheckpointCodec {

    public static final int CURRENT_VERSION = 1;
    private static final int MAGIC = 0x534C434B; // "SLCK"
    /** Parameters per checkpoint this format version holds in one array (4 bytes each, below 2^31 bytes). */
    private static final long MAX_PARAMETERS = (Integer.MAX_VALUE - 8) / 4;

    private CheckpointCodec() {
    }

    public static void encode(RunCheckpoint c, OutputStream out) throws IOException {
        ByteArrayOutputStream state = new ByteArrayOutputStream();
        OptimizerStateCodec.encode(c.optimizerState(), state);
        CRC32C crc = new CRC32C();
        DataOutputStream data = new DataOutputStream(new java.util.zip.CheckedOutputStream(out, crc));
        data.writeInt(MAGIC);
        data.writeShort(CURRENT_VERSION);
        data.writeLong(c.nextStep());
        data.writeLong(c.skippedSteps());
        data.writeInt(c.consecutiveBadSteps());
        data.writeUTF(c.fingerprint());
        float[] p = c.parameters();
        data.writeLong(p.length);
        ByteBuffer block = ByteBuffer.allocate(1 << 18).order(ByteOrder.LITTLE_ENDIAN);
        for (int from = 0; from < p.length; from += block.capacity() / 4) {
            int n = Math.min(block.capacity() / 4, p.length - from);
            block.clear();
            block.asFloatBuffer().put(p, from, n);
            data.write(block.array(), 0, n * 4);
        }
        data.writeLong(state.size());
        state.writeTo(data);
        data.flush();
        long sum = crc.getValue();
        out.write(new byte[] {(byte) (sum >>> 24), (byte) (sum >>> 16), (byte) (sum >>> 8), (byte) sum});
        out.flush();
    }

    /** Decodes a whole checkpoint; any damage (truncation, flipped bits, other version) is a {@link StateFormatException}. */
    public static RunCheckpoint decode(InputStream in, String source) throws StateFormatException {
        byte[] bytes;
        try {
            bytes = in.readAllBytes();
        } catch (IOException e) {
            throw new StateFormatException(source + ": cannot read checkpoint: " + e.getMessage(), e);
        }
        if (bytes.length < 8) {
            throw new StateFormatException(source + ": checkpoint is truncated (" + bytes.length + " bytes)");
        }
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, bytes.length - 4);
        long stored = ByteBuffer.wrap(bytes, bytes.length - 4, 4).getInt() & 0xffffffffL;
        try {
            DataInputStream data = new DataInputStream(new ByteArrayInputStream(bytes, 0, bytes.length - 4));
            int magic = data.readInt();
            if (magic != MAGIC) {
                throw new StateFormatException(source + ": not a spark-lamb checkpoint (bad magic number 0x" + Integer.toHexString(magic) + ")");
            }
            int version = data.readUnsignedShort();
            if (crc.getValue() != stored) {
                throw new StateFormatException(source + ": checkpoint is corrupt or truncated (checksum mismatch)");
            }
            if (version < 1 || version > CURRENT_VERSION) {
                throw new StateFormatException(source + ": checkpoint format version " + version + " is not supported; this build reads 1.."
                        + CURRENT_VERSION + (version > CURRENT_VERSION ? " (written by a newer spark-lamb?)" : ""));
            }
            long nextStep = data.readLong();
            long skipped = data.readLong();
            int bad = data.readInt();
            String fingerprint = data.readUTF();
            long count = data.readLong();
            if (count < 0 || count > MAX_PARAMETERS) {
                throw new StateFormatException(source + ": checkpoint is corrupt (parameter count " + count + ")");
            }
            float[] p = new float[(int) count];
            byte[] raw = new byte[(int) count * 4];
            data.readFully(raw);
            ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(p);
            long stateLength = data.readLong();
            if (stateLength < 0 || stateLength > bytes.length) {
                throw new StateFormatException(source + ": checkpoint is corrupt (optimizer state length " + stateLength + ")");
            }
            byte[] state = new byte[(int) stateLength];
            data.readFully(state);
            OptimizerState optimizerState = OptimizerStateCodec.decode(new ByteArrayInputStream(state), source + " (optimizer state)");
            return new RunCheckpoint(nextStep, skipped, bad, fingerprint, p, optimizerState);
        } catch (EOFException e) {
            throw new StateFormatException(source + ": checkpoint is truncated", e);
        } catch (StateFormatException e) {
            throw e;
        } catch (IOException e) {
            throw new StateFormatException(source + ": cannot read checkpoint: " + e.getMessage(), e);
        }
    }
}
