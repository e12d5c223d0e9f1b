package com.portfoliobulk.localstack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The local stack's data directory ({@code .local-stack/} by default): PostgreSQL's data, Kafka's log,
 * the log files and the administrator's token. One running stack holds a lock on it, so a second
 * one, or a {@code --reset} while the first runs, fails instead of corrupting it.
 */
final class DataDirectory implements AutoCloseable {

    private static final String LOCK_FILE = "local-stack.lock";

    private static final String POSTGRES = "postgres";

    private static final String KAFKA = "kafka";

    private final Path root;

    private final FileChannel lockChannel;

    private final FileLock lock;

    private DataDirectory(Path root, FileChannel lockChannel, FileLock lock) {
        this.root = root;
        this.lockChannel = lockChannel;
        this.lock = lock;
    }

    /**
     * Creates and locks the directory; with {@code reset}, deletes everything in it first, after
     * stopping the PostgreSQL server that a killed stack may have left running on it.
     *
     * @throws IllegalStateException when another local stack uses it, a server left running on it
     *     does not stop, or (with {@code reset}) it holds files but no local stack has used it
     */
    static DataDirectory open(Path root, boolean reset) {
        try {
            Path absolute = root.toAbsolutePath().normalize();
            Files.createDirectories(absolute);
            if (reset) {
                // Before the lock file is created: a stack that ran here left one.
                refuseUnlessLocalStackData(absolute);
            }
            FileChannel channel =
                    FileChannel.open(absolute.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock = tryLock(channel);
            if (lock == null) {
                channel.close();
                throw new IllegalStateException("Another local stack is running on " + absolute
                        + "; stop it first (or use --data-dir for a second one)");
            }
            DataDirectory directory = new DataDirectory(absolute, channel, lock);
            if (reset) {
                directory.wipe();
            }
            Files.createDirectories(directory.logs());
            return directory;
        } catch (IOException ex) {
            throw new UncheckedIOException("Cannot use the data directory " + root + ": " + ex.getMessage(), ex);
        }
    }

    /** The lock, or null when another process (or another stack in this JVM) holds it. */
    private static FileLock tryLock(FileChannel channel) throws IOException {
        try {
            return channel.tryLock();
        } catch (OverlappingFileLockException ex) {
            return null;
        }
    }

    Path root() {
        return root;
    }

    Path postgres() {
        return root.resolve(POSTGRES);
    }

    Path kafka() {
        return root.resolve(KAFKA);
    }

    Path logs() {
        return root.resolve("logs");
    }

    /** The administrator's bearer token, for scripts: {@code TOKEN=$(cat .local-stack/admin-token)}. */
    Path adminToken() {
        return root.resolve("admin-token");
    }

    /** The bearer token of the demo's newcomer, who has no access yet: the walkthrough invites them. */
    Path newcomerToken() {
        return root.resolve("newcomer-token");
    }

    void writeAdminToken(String token) {
        writeToken(adminToken(), token);
    }

    void writeNewcomerToken(String token) {
        writeToken(newcomerToken(), token);
    }

    private void writeToken(Path file, String token) {
        try {
            Files.deleteIfExists(file);
            Files.createFile(file);
            try {
                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException ex) {
                // Not a POSIX file system: the file keeps the default permissions.
            }
            Files.writeString(file, token + System.lineSeparator());
        } catch (IOException ex) {
            throw new UncheckedIOException("Cannot write " + file, ex);
        }
    }

    @Override
    public void close() {
        try {
            lock.release();
            lockChannel.close();
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    /**
     * The reset deletes everything in the directory, so it wipes only an empty one or one that a local
     * stack used: every run creates the lock file before anything else in it (PostgreSQL's and Kafka's
     * directories come after), so a directory without one holds nothing of a local stack's. A
     * {@code postgres/} or {@code kafka/} folder proves nothing: a wrong {@code --data-dir} ({@code ~},
     * a typo) may hold one of its own, and must not cost the files in it.
     */
    private static void refuseUnlessLocalStackData(Path directory) throws IOException {
        boolean empty;
        try (Stream<Path> children = Files.list(directory)) {
            empty = children.findAny().isEmpty();
        }
        if (empty || Files.isRegularFile(directory.resolve(LOCK_FILE))) {
            return;
        }
        throw new IllegalStateException("Will not wipe " + directory + " (--reset): it holds files but no "
                + LOCK_FILE + ", which every local stack leaves in its data directory, so no local stack has"
                + " used it; check --data-dir, or empty the directory yourself");
    }

    private void wipe() throws IOException {
        // Found by its postmaster.pid, which the wipe deletes: stopped first, or it would keep its port.
        PersistentPostgres.stopLeftoverServer(postgres());
        try (Stream<Path> children = Files.list(root)) {
            for (Path child : children.filter(
                            path -> !path.getFileName().toString().equals(LOCK_FILE))
                    .toList()) {
                deleteRecursively(child);
            }
        }
    }

    private static void deleteRecursively(Path path) throws IOException {
        try (Stream<Path> walk = Files.walk(path)) {
            for (Path entry : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(entry);
            }
        }
    }
}
