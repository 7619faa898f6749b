package dev.sparklamb.spark.lease;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The content of one lease file: who holds the lease (a random id per run, plus host and process for people), which
 * generation it is, when it was renewed and until when it is valid by the holder's clock, and whether the holder has
 * released it. Stored as {@code key=value} lines.
 */
public record LeaseRecord(String owner, String holder, long generation, long renewedAtMillis, long expiresAtMillis, boolean released) {

    /** True when a run that reads this record at {@code nowMillis} must leave the directory alone. */
    public boolean liveAt(long nowMillis) {
        return !released && nowMillis <= expiresAtMillis;
    }

    public byte[] format() {
        String text = "owner=" + owner + "\nholder=" + holder + "\ngeneration=" + generation + "\nrenewed-at=" + renewedAtMillis
                + "\nexpires-at=" + expiresAtMillis + "\nreleased=" + released + "\n";
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** The record in {@code bytes}, or empty when they are not a whole record (a file still being written, or damaged). */
    public static Optional<LeaseRecord> parse(byte[] bytes) {
        Map<String, String> fields = new LinkedHashMap<>();
        for (String line : new String(bytes, StandardCharsets.UTF_8).split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                fields.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        try {
            String released = fields.get("released");
            if (fields.get("owner") == null || released == null) {
                return Optional.empty();
            }
            return Optional.of(new LeaseRecord(fields.get("owner"), fields.getOrDefault("holder", "?"),
                    Long.parseLong(fields.get("generation")), Long.parseLong(fields.get("renewed-at")),
                    Long.parseLong(fields.get("expires-at")), Boolean.parseBoolean(released)));
        } catch (NumberFormatException | NullPointerException e) {
            return Optional.empty();
        }
    }

    /** For messages: the holder and its times. */
    public String describe() {
        return holder + " (lease generation " + generation + ", renewed " + Instant.ofEpochMilli(renewedAtMillis) + ", valid until "
                + Instant.ofEpochMilli(expiresAtMillis) + ")";
    }
}
