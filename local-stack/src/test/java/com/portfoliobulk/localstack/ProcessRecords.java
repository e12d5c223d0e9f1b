package com.portfoliobulk.localstack;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The processes the fault tests' harness started (service JVMs, Kafka brokers, PostgreSQL servers), one
 * record each in {@link #DIRECTORY}, so that those a test JVM killed with {@code kill -9} left running
 * are stopped by the next one. Nothing else would stop them: they do not watch their parent, and each
 * run uses new directories and ports. A record names the test JVM that made it and the process, by its
 * process id, its start and a text of its command line that is the run's own (a PostgreSQL server by
 * its data directory, whose {@code postmaster.pid} names it); the harness deletes it once it has stopped
 * the process.
 *
 * <p>The first record a test JVM makes ({@link #get()}) first stops every recorded process whose test
 * JVM is gone and which is still the process recorded, and deletes those records. A process id taken
 * since by another process (another start, or no such text in its command line) is left alone, and so
 * is every process of a test JVM still running (another Maven run in the module).
 */
final class ProcessRecords {

    /** The records' directory, in the module's {@code target} (the tests' working directory). */
    static final Path DIRECTORY = Paths.get("target", "harness-processes");

    /**
     * A JVM option the harness adds to the service processes' command lines, unique to this test JVM:
     * the text by which the record knows them.
     */
    static final String RUN_OPTION = "-Dlocal-stack.test-run=" + UUID.randomUUID();

    /** How long a stopped process may take to exit. */
    private static final Duration EXIT = Duration.ofSeconds(30);

    private static final String SUFFIX = ".record";

    private static final Logger log = LoggerFactory.getLogger(ProcessRecords.class);

    private static ProcessRecords own;

    private final Path directory;

    private final long ownerPid;

    private final String ownerStart;

    /**
     * @param directory where the records are
     * @param owner the test JVM that makes the records
     */
    ProcessRecords(Path directory, ProcessHandle owner) {
        this.directory = directory;
        this.ownerPid = owner.pid();
        this.ownerStart = start(owner).orElse("");
    }

    /** This test JVM's records; the first call stops the processes of test JVMs that are gone ({@link #stopLeftovers()}). */
    static synchronized ProcessRecords get() {
        if (own == null) {
            own = new ProcessRecords(DIRECTORY.toAbsolutePath(), ProcessHandle.current());
            own.stopLeftovers();
        }
        return own;
    }

    /**
     * Records a process the harness started.
     *
     * @param marker a text of its command line that no other process's holds (the run's own directory,
     *     {@link #RUN_OPTION})
     */
    Record process(ProcessHandle process, String marker) {
        Properties record = new Properties();
        record.setProperty("pid", Long.toString(process.pid()));
        record.setProperty("start", start(process).orElse(""));
        record.setProperty("marker", marker);
        return write(record);
    }

    /** Records a PostgreSQL server by its data directory, before it starts. */
    Record postgres(Path dataDirectory) {
        Properties record = new Properties();
        record.setProperty("postgres", dataDirectory.toAbsolutePath().toString());
        return write(record);
    }

    /**
     * Stops every recorded process whose test JVM is gone and which is still the one recorded, and
     * deletes those records: a process with {@code kill -9} (a frozen one too), waiting for it to exit;
     * a PostgreSQL server with a fast shutdown ({@link PersistentPostgres#stopLeftoverServer}).
     */
    synchronized void stopLeftovers() {
        List<Path> records;
        try (Stream<Path> files = Files.isDirectory(directory) ? Files.list(directory) : Stream.empty()) {
            records = files.filter(file -> file.getFileName().toString().endsWith(SUFFIX))
                    .toList();
        } catch (IOException ex) {
            throw new UncheckedIOException("Could not list " + directory, ex);
        }
        for (Path file : records) {
            Optional<Properties> record = read(file);
            if (record.map(ProcessRecords::ofARunningTestJvm).orElse(false)) {
                continue;
            }
            record.ifPresent(this::stop);
            delete(file);
        }
    }

    private void stop(Properties record) {
        String postgres = record.getProperty("postgres");
        if (postgres != null) {
            try {
                PersistentPostgres.stopLeftoverServer(Path.of(postgres));
            } catch (RuntimeException ex) {
                log.warn("Could not stop the PostgreSQL server of {}", postgres, ex);
            }
            return;
        }
        String marker = record.getProperty("marker", "");
        process(record.getProperty("pid"), record.getProperty("start"))
                .filter(process -> !marker.isEmpty()
                        && process.info()
                                .commandLine()
                                .map(command -> command.contains(marker))
                                .orElse(false))
                .ifPresent(process -> {
                    log.warn(
                            "Stopping process {} ({}), left running by test JVM {}, which is gone",
                            process.pid(),
                            marker,
                            record.getProperty("owner.pid"));
                    process.destroyForcibly();
                    try {
                        process.onExit().get(EXIT.toSeconds(), TimeUnit.SECONDS);
                    } catch (TimeoutException | ExecutionException ex) {
                        log.warn("Process {} has not exited {} after kill -9", process.pid(), EXIT);
                    } catch (InterruptedException ex) {
                        Thread.currentThread().interrupt();
                    }
                });
    }

    /** Whether the test JVM that made the record still runs: the same process id, alive, with the same start. */
    private static boolean ofARunningTestJvm(Properties record) {
        return process(record.getProperty("owner.pid"), record.getProperty("owner.start"))
                .isPresent();
    }

    private static Optional<ProcessHandle> process(String pid, String start) {
        if (pid == null || start == null || start.isEmpty()) {
            return Optional.empty();
        }
        try {
            return ProcessHandle.of(Long.parseLong(pid))
                    .filter(ProcessHandle::isAlive)
                    .filter(process -> start(process).equals(Optional.of(start)));
        } catch (NumberFormatException ex) {
            return Optional.empty();
        }
    }

    private static Optional<String> start(ProcessHandle process) {
        return process.info().startInstant().map(Instant::toString);
    }

    /** Written whole (a new file, then renamed) or not at all. */
    private Record write(Properties record) {
        record.setProperty("owner.pid", Long.toString(ownerPid));
        record.setProperty("owner.start", ownerStart);
        Path file = directory.resolve(UUID.randomUUID() + SUFFIX);
        Path written = directory.resolve(file.getFileName() + ".new");
        try {
            Files.createDirectories(directory);
            try (Writer writer = Files.newBufferedWriter(written, StandardCharsets.UTF_8)) {
                record.store(writer, "A process the fault tests' harness started (ProcessRecords)");
            }
            Files.move(written, file, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException ex) {
            throw new UncheckedIOException("Could not write " + file, ex);
        }
        return new Record(file);
    }

    private static Optional<Properties> read(Path file) {
        Properties record = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            record.load(reader);
            return Optional.of(record);
        } catch (IOException | IllegalArgumentException ex) {
            // Deleted meanwhile, or not a record: nothing to stop.
            return Optional.empty();
        }
    }

    private static void delete(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException ex) {
            log.warn("Could not delete {}", file, ex);
        }
    }

    /** One process's record, deleted once the harness has stopped the process. */
    static final class Record {

        private final Path file;

        private Record(Path file) {
            this.file = file;
        }

        Path file() {
            return file;
        }

        void delete() {
            ProcessRecords.delete(file);
        }
    }
}
