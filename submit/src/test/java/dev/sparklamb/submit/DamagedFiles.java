package dev.sparklamb.submit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32C;

/** Damages files in place the way disks, networks and other programs do: cut short, a bit flipped, a field patched. */
final class DamagedFiles {

    private DamagedFiles() {
    }

    /** Hadoop's local file system keeps a ".NAME.crc" checksum file next to what it writes; remove it. */
    static void removeSidecar(Path file) throws IOException {
        Files.deleteIfExists(file.resolveSibling("." + file.getFileName() + ".crc"));
    }

    static void truncate(Path file, long length) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(length);
        }
    }

    static void flipBit(Path file, long offset, int bit) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(offset);
            int b = f.read();
            f.seek(offset);
            f.write(b ^ (1 << bit));
        }
    }

    /** The u16 version field right after the 4-byte magic number "SLCK" (CheckpointCodec's format). */
    static void patchVersion(Path file, int version) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(0);
            assertThat(f.readInt()).as("magic number").isEqualTo(0x534C434B);
            f.writeShort(version);
        }
    }

    /** Recomputes the trailing CRC32C (big-endian u32 over everything before it). */
    static void fixCrc(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, bytes.length - 4);
        ByteBuffer.wrap(bytes, bytes.length - 4, 4).putInt((int) crc.getValue());
        Files.write(file, bytes);
    }
}
