package dev.sparklamb.submit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.Property;
import org.apache.logging.log4j.core.layout.PatternLayout;

/**
 * Runs the command line in-process the way a user sees it: what the CLI prints to stdout/stderr plus every log line
 * (the CLI's log4j2 console appender writes to stderr too, see conf/log4j2.properties), and snapshots of a directory
 * tree to show that a command left existing files alone.
 */
final class CliHarness {

    private CliHarness() {
    }

    /** Exit code, stdout, and stderr = the CLI's own stderr lines interleaved with the log lines, as on a console. */
    record Outcome(int code, String out, String err) {

        String describe() {
            return "exit " + code + "\n--- stderr + log ---\n" + err + "\n--- stdout ---\n" + out;
        }
    }

    private static volatile PrintStream logTarget;
    private static LogCapture capture;

    /** While a command runs, log events (any thread, Spark's included) are also written to the captured stderr. */
    private static final class LogCapture extends AbstractAppender {

        LogCapture() {
            super("hostile-input-capture", null,
                    PatternLayout.newBuilder().withPattern("%d{HH:mm:ss} %-5p %c{1}: %m%n").build(), true, Property.EMPTY_ARRAY);
        }

        @Override
        public void append(LogEvent event) {
            PrintStream target = logTarget;
            if (target != null) {
                target.print(getLayout().toSerializable(event));
            }
        }
    }

    static synchronized void installLogCapture() {
        if (capture != null) {
            return;
        }
        LoggerContext ctx = (LoggerContext) LogManager.getContext(false);
        Configuration config = ctx.getConfiguration();
        capture = new LogCapture();
        capture.start();
        config.addAppender(capture);
        config.getRootLogger().addAppender(capture, null, null);
        ctx.updateLoggers();
    }

    static Outcome run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream errStream = new PrintStream(err, true, StandardCharsets.UTF_8);
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(errStream);
        logTarget = errStream;
        try {
            int code = SparkLambCli.run(args);
            return new Outcome(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            logTarget = null;
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    /** Relative path -> size and SHA-256 of every file under {@code dir} ("dir" for directories), hidden files included. */
    static Map<String, String> snapshot(Path dir) {
        Map<String, String> result = new TreeMap<>();
        try (Stream<Path> files = Files.walk(dir)) {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (Path p : files.toList()) {
                String name = dir.relativize(p).toString().replace('\\', '/');
                if (Files.isRegularFile(p)) {
                    byte[] bytes = Files.readAllBytes(p);
                    result.put(name, bytes.length + " bytes, sha256 " + HexFormat.of().formatHex(sha.digest(bytes)));
                } else if (!p.equals(dir)) {
                    result.put(name + "/", "dir");
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        return result;
    }

    /** {@code snapshot} without the entries at or under {@code relative} (a path relative to the snapshot's root). */
    static Map<String, String> without(Map<String, String> snapshot, String relative) {
        Map<String, String> result = new TreeMap<>(snapshot);
        String prefix = relative.replace('\\', '/');
        result.keySet().removeIf(k -> k.equals(prefix + "/") || k.startsWith(prefix + "/"));
        return result;
    }

    /** Entries of {@code after} that are new ("+"), changed ("~") or gone ("-") compared with {@code before}. */
    static java.util.List<String> diff(Map<String, String> before, Map<String, String> after) {
        java.util.List<String> d = new java.util.ArrayList<>();
        for (var e : after.entrySet()) {
            String old = before.get(e.getKey());
            if (old == null) {
                d.add("+ " + e.getKey());
            } else if (!old.equals(e.getValue())) {
                d.add("~ " + e.getKey());
            }
        }
        for (String k : before.keySet()) {
            if (!after.containsKey(k)) {
                d.add("- " + k);
            }
        }
        return d;
    }

    static void copyTree(Path from, Path to) {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path p : files.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) {
                    d.toFile().setWritable(true);
                    d.toFile().setReadable(true);
                    d.toFile().setExecutable(true);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.delete(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                    Files.delete(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Three documents; with --seed 1 and --heldout-fraction 0.645, a.txt alone is held out: the first 8 bytes of SHA-256("1:a.txt")
     * etc. as fractions of 2^64 are 0.641, 0.959, 0.649 for a, b, c (computed with Python's hashlib).
     */
    static Path textCorpus(Path dir) throws IOException {
        Path docs = Files.createDirectories(dir.resolve("docs"));
        Files.writeString(docs.resolve("a.txt"), "The people of the United States.\nThe people pay the taxes.\n");
        Files.writeString(docs.resolve("b.txt"), "The Congress shall assemble once in every year.\n");
        Files.writeString(docs.resolve("c.txt"), "Every year the people send the report to the Congress.\n");
        return docs;
    }
}
