package dev.sparklamb.spark.data.text;

import dev.sparklamb.spark.data.DataException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * Reads text strictly as UTF-8, line by line: bytes that are not UTF-8 are a {@link DataException} naming the source,
 * the line and the byte in it, never replaced silently. Lines end at {@code \n} (a {@code \r} right before it is dropped
 * too); a leading byte-order mark is dropped. Lines are cut on the bytes (0x0A never occurs inside a multi-byte UTF-8
 * character) and each is decoded on its own, so the line number of an error is exact.
 */
final class Utf8Text {

    private Utf8Text() {
    }

    /**
     * Hands every line of {@code in} to {@code lines}, in order, and closes {@code in}.
     *
     * @param source the file, for messages
     * @return the number of lines
     */
    static long forEachLine(InputStream in, String source, Consumer<String> lines) throws IOException {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        byte[] chunk = new byte[1 << 16];
        byte[] line = new byte[1 << 12];
        int lineSize = 0;
        long n = 0;
        try (in) {
            int read;
            while ((read = in.read(chunk)) > 0) {
                int start = 0;
                for (int i = 0; i < read; i++) {
                    if (chunk[i] == '\n') {
                        line = append(line, lineSize, chunk, start, i - start);
                        lineSize += i - start;
                        lines.accept(decode(decoder, line, lineSize, source, ++n));
                        lineSize = 0;
                        start = i + 1;
                    }
                }
                line = append(line, lineSize, chunk, start, read - start);
                lineSize += read - start;
            }
        }
        if (lineSize > 0) {
            lines.accept(decode(decoder, line, lineSize, source, ++n));
        }
        return n;
    }

    private static byte[] append(byte[] line, int size, byte[] from, int offset, int length) {
        if (size + length > line.length) {
            line = Arrays.copyOf(line, Math.max(line.length * 2, size + length));
        }
        System.arraycopy(from, offset, line, size, length);
        return line;
    }

    private static String decode(CharsetDecoder decoder, byte[] bytes, int size, String source, long lineNumber) {
        if (size > 0 && bytes[size - 1] == '\r') {
            size--;
        }
        ByteBuffer buffer = ByteBuffer.wrap(bytes, 0, size);
        String text;
        try {
            text = decoder.decode(buffer).toString();
        } catch (CharacterCodingException e) {
            throw new DataException("'" + source + "', line " + lineNumber + ", byte " + (buffer.position() + 1) + " of the line: not valid UTF-8 ("
                    + e.getMessage() + "); text files must be UTF-8 (or ASCII)", e);
        }
        if (lineNumber == 1 && !text.isEmpty() && text.charAt(0) == '\uFEFF') {
            text = text.substring(1);
        }
        return text;
    }
}
