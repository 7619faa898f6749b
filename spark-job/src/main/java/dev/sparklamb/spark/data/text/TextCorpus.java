package dev.sparklamb.spark.data.text;

import dev.sparklamb.spark.data.DataException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The documents of {@code --input}: each input is a Hadoop URI or glob; a file is taken as it is, a directory gives its
 * files named {@code *.txt} (not its subdirectories; names starting with '.' or '_' are skipped, as Hadoop does). The
 * documents are sorted by full path, and each is checked to be non-empty, before any Spark work.
 */
public final class TextCorpus {

    /** The extension of the files taken from a directory. */
    public static final String EXTENSION = ".txt";

    private TextCorpus() {
    }

    /**
     * @throws DataException naming the input that does not exist, the directory without text files or the empty file
     */
    public static List<TextDocument> list(List<String> inputs, Configuration hadoop, long seed, double heldOutFraction) {
        Map<String, FileStatus> files = new LinkedHashMap<>();
        for (String input : inputs) {
            try {
                Path p = new Path(input);
                FileSystem fs = p.getFileSystem(hadoop);
                FileStatus[] matches = fs.globStatus(p);
                if (matches == null || matches.length == 0) {
                    throw new DataException("--input: '" + input + "' does not exist" + (isGlob(input) ? " (the pattern matches nothing)" : ""));
                }
                for (FileStatus m : matches) {
                    if (m.isDirectory()) {
                        int found = 0;
                        for (FileStatus f : fs.listStatus(m.getPath())) {
                            String name = f.getPath().getName();
                            if (f.isFile() && name.endsWith(EXTENSION) && !name.startsWith(".") && !name.startsWith("_")) {
                                files.putIfAbsent(f.getPath().toString(), f);
                                found++;
                            }
                        }
                        if (found == 0) {
                            throw new DataException("--input: directory '" + m.getPath() + "' holds no text files (*" + EXTENSION + ")");
                        }
                    } else {
                        files.putIfAbsent(m.getPath().toString(), m);
                    }
                }
            } catch (IOException | IllegalArgumentException e) {
                if (e instanceof DataException d) {
                    throw d;
                }
                throw new DataException("--input: cannot read '" + input + "': " + e.getMessage(), e);
            }
        }
        List<FileStatus> sorted = new ArrayList<>(files.values());
        sorted.sort(Comparator.comparing(f -> f.getPath().toString()));
        List<TextDocument> docs = new ArrayList<>(sorted.size());
        for (FileStatus f : sorted) {
            if (f.getLen() == 0) {
                throw new DataException("--input: text file '" + f.getPath() + "' is empty");
            }
            String name = f.getPath().getName();
            docs.add(new TextDocument(docs.size(), f.getPath().toString(), name, f.getLen(), HeldOutSplit.isHeldOut(name, seed, heldOutFraction)));
        }
        return docs;
    }

    /**
     * Hands every line of {@code doc} to {@code lines} (strict UTF-8, {@link Utf8Text}).
     *
     * @throws DataException naming the file and line when it is not UTF-8
     */
    static void read(TextDocument doc, Configuration hadoop, Consumer<String> lines) throws IOException {
        Path p = new Path(doc.path());
        Utf8Text.forEachLine(p.getFileSystem(hadoop).open(p), doc.path(), lines);
    }

    /** The error for a document in which tokenisation finds nothing. */
    static DataException noText(TextDocument doc) {
        return new DataException("--input: text file '" + doc.path() + "' holds no text (only whitespace or control characters)");
    }

    /**
     * Consecutive runs of {@code docs} (order kept) of roughly equal bytes, at most {@code max} of them and none empty:
     * one Spark partition each, so the output's part files, sorted by name, keep the documents' order.
     */
    static List<List<TextDocument>> slices(List<TextDocument> docs, int max) {
        List<List<TextDocument>> out = new ArrayList<>();
        long total = docs.stream().mapToLong(TextDocument::bytes).sum();
        int n = Math.max(1, Math.min(max, docs.size()));
        List<TextDocument> current = new ArrayList<>();
        long cumulative = 0;
        for (TextDocument d : docs) {
            current.add(d);
            cumulative += d.bytes();
            // close the slice once the bytes so far reach the next 1/n of the total
            if (out.size() < n - 1 && cumulative * n >= total * (out.size() + 1)) {
                out.add(current);
                current = new ArrayList<>();
            }
        }
        if (!current.isEmpty()) {
            out.add(current);
        }
        return out;
    }

    private static boolean isGlob(String s) {
        return s.indexOf('*') >= 0 || s.indexOf('?') >= 0 || s.indexOf('[') >= 0 || s.indexOf('{') >= 0;
    }
}
