package dev.sparklamb.optim;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;
import java.util.zip.CheckedInputStream;
import java.util.zip.CheckedOutputStream;

/**
 * Versioned, checksummed binary format for {@link OptimizerState} (never Java serialization).
 *
 * <pre>
 * header:  magic "SLOS" | u16 version | UTF optimizer | i64 step | i32 tensors
 *          | per tensor: UTF name, u8 rank, i64 dims... | u8 moment slots (1 or 2)
 *          | u32 CRC32C of the header
 * body:    per slot, per tensor: float32 little-endian elements, memory order
 *          | u32 CRC32C of the body
 * </pre>
 * The header is checked before anything is allocated from it, so a corrupt size cannot cause a huge allocation.
 */
public final class OptimizerStateCodec {

    /** Format version this code writes; it reads versions 1..CURRENT. */
    public static final int CURRENT_VERSION = 1;
    private static final int MAGIC = 0x534C4F53; // "SLOS"
    private static final int MAX_TENSORS = 1 << 20;
    private static final int MAX_RANK = 32;
    private static final int BLOCK = 1 << 16;

    private OptimizerStateCodec() {
    }

    public static void encode(OptimizerState state, OutputStream out) throws IOException {
        CRC32C crc = new CRC32C();
        DataOutputStream data = new DataOutputStream(new CheckedOutputStream(out, crc));
        data.writeInt(MAGIC);
        data.writeShort(CURRENT_VERSION);
        data.writeUTF(state.optimizer());
        data.writeLong(state.step());
        TensorLayout layout = state.layout();
        data.writeInt(layout.size());
        for (TensorSpec spec : layout.tensors()) {
            data.writeUTF(spec.name());
            long[] shape = spec.shape();
            data.writeByte(shape.length);
            for (long d : shape) {
                data.writeLong(d);
            }
        }
        data.writeByte(state.hasSecondMoment() ? 2 : 1);
        data.flush();
        out.write(intBytes(crc.getValue()));
        crc.reset();
        ByteBuffer block = ByteBuffer.allocate(BLOCK * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < layout.size(); i++) {
            writeFloats(state.first(i), data, block);
        }
        if (state.hasSecondMoment()) {
            for (int i = 0; i < layout.size(); i++) {
                writeFloats(state.second(i), data, block);
            }
        }
        data.flush();
        out.write(intBytes(crc.getValue()));
        out.flush();
    }

    /**
     * Decodes a state and checks it belongs to {@code optimizer} and exactly {@code layout}.
     *
     * @param source names the stream in messages (a file path, say)
     */
    public static OptimizerState decode(InputStream in, String source, String optimizer, TensorLayout layout) throws StateFormatException {
        OptimizerState state = decode(in, source);
        if (!state.optimizer().equals(optimizer)) {
            throw new StateFormatException(source + ": optimizer state was written by '" + state.optimizer() + "', expected '" + optimizer + "'");
        }
        try {
            state.requireCompatible(optimizer, OptimizerState.keepsSecondMoment(optimizer), layout);
        } catch (IllegalArgumentException e) {
            throw new StateFormatException(source + ": " + e.getMessage(), e);
        }
        return state;
    }

    /** Decodes a state; fails with a message naming {@code source} and what is wrong. */
    public static OptimizerState decode(InputStream in, String source) throws StateFormatException {
        try {
            CRC32C crc = new CRC32C();
            DataInputStream data = new DataInputStream(new CheckedInputStream(in, crc));
            int magic = data.readInt();
            if (magic != MAGIC) {
                throw new StateFormatException(source + ": not a spark-lamb optimizer state (bad magic number 0x" + Integer.toHexString(magic) + ")");
            }
            int version = data.readUnsignedShort();
            if (version < 1 || version > CURRENT_VERSION) {
                throw new StateFormatException(source + ": optimizer state format version " + version + " is not supported; this build reads versions 1.."
                        + CURRENT_VERSION + (version > CURRENT_VERSION ? " (written by a newer spark-lamb?)" : ""));
            }
            String optimizer = data.readUTF();
            long step = data.readLong();
            int count = data.readInt();
            if (count < 1 || count > MAX_TENSORS) {
                throw corrupt(source, "tensor count " + count);
            }
            List<String> names = new ArrayList<>(Math.min(count, 1024));
            List<long[]> shapes = new ArrayList<>(Math.min(count, 1024));
            for (int i = 0; i < count; i++) {
                String name = data.readUTF();
                int rank = data.readUnsignedByte();
                if (rank > MAX_RANK) {
                    throw corrupt(source, "rank " + rank + " of tensor '" + name + "'");
                }
                long[] shape = new long[rank];
                for (int d = 0; d < rank; d++) {
                    shape[d] = data.readLong();
                }
                names.add(name);
                shapes.add(shape);
            }
            int slots = data.readUnsignedByte();
            long headerCrc = crc.getValue();
            long storedHeaderCrc = readUnsignedInt(in);
            if (headerCrc != storedHeaderCrc) {
                throw corrupt(source, "header checksum mismatch");
            }
            if (slots != 1 && slots != 2) {
                throw corrupt(source, "moment slot count " + slots);
            }
            List<TensorSpec> specs = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                specs.add(new TensorSpec(names.get(i), shapes.get(i)));
            }
            TensorLayout layout = new TensorLayout(specs);
            crc.reset();
            ByteBuffer block = ByteBuffer.allocate(BLOCK * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            float[][] first = readMoments(layout, data, block);
            float[][] second = slots == 2 ? readMoments(layout, data, block) : null;
            long bodyCrc = crc.getValue();
            if (bodyCrc != readUnsignedInt(in)) {
                throw corrupt(source, "moment data checksum mismatch");
            }
            return new OptimizerState(optimizer, layout, step, first, second);
        } catch (EOFException e) {
            throw new StateFormatException(source + ": optimizer state is truncated (ended early)", e);
        } catch (StateFormatException e) {
            throw e;
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw new StateFormatException(source + ": optimizer state is corrupt: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new StateFormatException(source + ": could not read optimizer state: " + e.getMessage(), e);
        }
    }

    private static StateFormatException corrupt(String source, String what) {
        return new StateFormatException(source + ": optimizer state is corrupt (" + what + ")");
    }

    private static float[][] readMoments(TensorLayout layout, DataInputStream in, ByteBuffer block) throws IOException {
        float[][] arrays = new float[layout.size()][];
        for (int i = 0; i < layout.size(); i++) {
            arrays[i] = new float[layout.length(i)];
            float[] a = arrays[i];
            for (int from = 0; from < a.length; from += BLOCK) {
                int n = Math.min(BLOCK, a.length - from);
                in.readFully(block.array(), 0, n * Float.BYTES);
                block.clear();
                block.asFloatBuffer().get(a, from, n);
            }
        }
        return arrays;
    }

    private static void writeFloats(float[] a, DataOutputStream out, ByteBuffer block) throws IOException {
        for (int from = 0; from < a.length; from += BLOCK) {
            int n = Math.min(BLOCK, a.length - from);
            block.clear();
            block.asFloatBuffer().put(a, from, n);
            out.write(block.array(), 0, n * Float.BYTES);
        }
    }

    private static byte[] intBytes(long v) {
        return new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
    }

    private static long readUnsignedInt(InputStream in) throws IOException {
        long v = 0;
        for (int i = 0; i < 4; i++) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException();
            }
            v = (v << 8) | b;
        }
        return v;
    }
}
