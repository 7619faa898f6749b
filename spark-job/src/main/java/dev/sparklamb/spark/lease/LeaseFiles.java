package dev.sparklamb.spark.lease;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;

/**
 * The lease files of one directory, {@code .lease-<19-digit generation>}, on any Hadoop file system. The newest
 * generation is the lease's current state; every change of state creates the next generation with create-if-absent,
 * so of two runs that both try to move the lease on from one generation exactly one succeeds (where the file system's
 * create-if-absent is atomic: HDFS, and the local file system, for which this class writes a temporary file and
 * hard-links it to its name, because Hadoop's own local create checks and then creates).
 */
final class LeaseFiles implements AutoCloseable {

    static final String PREFIX = ".lease-";

    private final FileSystem fs;
    private final Path dir;

    LeaseFiles(String directory, Configuration hadoop) throws IOException {
        Path p = new Path(directory);
        // A private (uncached) instance: no checksum side files, and closing it never touches the session's instance.
        this.fs = FileSystem.newInstance(p.toUri(), hadoop);
        fs.setWriteChecksum(false);
        fs.setVerifyChecksum(false);
        this.dir = fs.makeQualified(p);
    }

    /** True for the names this class writes (so the output checks can ignore them). */
    static boolean isLeaseFile(String name) {
        return name.startsWith(PREFIX) || name.startsWith("." + PREFIX); // the second: a checksum side file of one
    }

    String directory() {
        return dir.toString();
    }

    /** The generations present, oldest first (empty when the directory does not exist). */
    List<Long> generations() throws IOException {
        List<Long> gens = new ArrayList<>();
        if (!fs.exists(dir)) {
            return gens;
        }
        for (FileStatus f : fs.listStatus(dir, p -> p.getName().startsWith(PREFIX))) {
            try {
                gens.add(Long.parseLong(f.getPath().getName().substring(PREFIX.length())));
            } catch (NumberFormatException notOurs) {
                // a temporary or foreign file with a similar name: not a lease generation
            }
        }
        gens.sort(null);
        return gens;
    }

    /** The newest generation, if any. */
    Optional<Long> newest() throws IOException {
        List<Long> gens = generations();
        return gens.isEmpty() ? Optional.empty() : Optional.of(gens.get(gens.size() - 1));
    }

    /** The bytes of one generation, or empty when it was removed meanwhile. */
    Optional<byte[]> read(long generation) throws IOException {
        try (InputStream in = fs.open(path(generation))) {
            return Optional.of(in.readAllBytes());
        } catch (FileNotFoundException gone) {
            return Optional.empty();
        }
    }

    /** Modification time of one generation by the file system's clock, or empty when it is gone. */
    Optional<Long> modifiedAt(long generation) throws IOException {
        try {
            return Optional.of(fs.getFileStatus(path(generation)).getModificationTime());
        } catch (FileNotFoundException gone) {
            return Optional.empty();
        }
    }

    /** Creates {@code generation} holding {@code content} if no file of that name exists; false if one does. */
    boolean createIfAbsent(long generation, byte[] content) throws IOException {
        fs.mkdirs(dir);
        Path p = path(generation);
        java.io.File local = localFile(p);
        if (local != null) {
            // Written whole under a temporary name, then hard-linked to its name: link() is atomic and fails if the
            // name exists, so a reader never sees a half-written lease.
            java.nio.file.Path tmp = local.toPath().resolveSibling(PREFIX + "tmp-" + java.util.UUID.randomUUID());
            Files.write(tmp, content);
            try {
                Files.createLink(local.toPath(), tmp);
                return true;
            } catch (FileAlreadyExistsException taken) {
                return false;
            } finally {
                Files.deleteIfExists(tmp);
            }
        }
        try (OutputStream out = fs.create(p, false)) {
            out.write(content);
        } catch (org.apache.hadoop.fs.FileAlreadyExistsException taken) {
            return false;
        } catch (IOException e) {
            if (lostRace(e)) {
                return false;
            }
            throw e;
        }
        return true;
    }

    /**
     * True when {@code e} says that another client created the file first: HDFS answers a create racing with another
     * client's (still open) create of the same name with a remote {@code AlreadyBeingCreatedException}, and one after
     * it with {@code FileAlreadyExistsException}.
     */
    private static boolean lostRace(IOException e) {
        String type = e instanceof org.apache.hadoop.ipc.RemoteException remote ? remote.getClassName() : e.getClass().getName();
        return type.endsWith(".FileAlreadyExistsException") || type.endsWith(".AlreadyBeingCreatedException");
    }

    /** Deletes one generation (if it still exists). */
    void delete(long generation) throws IOException {
        fs.delete(path(generation), false);
    }

    /** Deletes the generations older than {@code generation}; best effort (a leftover older one is never read). */
    void deleteOlderThan(long generation) throws IOException {
        for (long g : generations()) {
            if (g < generation) {
                fs.delete(path(g), false);
            }
        }
    }

    private Path path(long generation) {
        return new Path(dir, String.format("%s%019d", PREFIX, generation));
    }

    /** The java.io file behind {@code p} on Hadoop's local file system, else null. */
    private java.io.File localFile(Path p) {
        FileSystem raw = fs instanceof LocalFileSystem local ? local.getRaw() : fs;
        return raw instanceof RawLocalFileSystem r ? r.pathToFile(p) : null;
    }

    @Override
    public void close() throws IOException {
        fs.close();
    }
}
