package com.portfoliobulk.localstack;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
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

    private static final Logger log = LoggerFactory.getLogger(PersistentPostgres.class);

    /**
     * How long {@link #close()} waits for the server to exit. A fast shutdown writes a checkpoint
     * first: after a large job, up to the 512 MB of shared buffers, flushed to disk, which takes longer
     * than the 5 s that {@code pg_ctl stop} waits on a slow disk.
     */
    private static final Duration SHUTDOWN = Duration.ofMinutes(2);

    private final EmbeddedPostgres server;

    private final Path dataDirectory;

    private final DatabaseEndpoint endpoint;

    private final boolean created;

    private PersistentPostgres(
            EmbeddedPostgres server, Path dataDirectory, DatabaseEndpoint endpoint, boolean created) {
        this.server = server;
        this.dataDirectory = dataDirectory;
        this.endpoint = endpoint;
        this.created = created;
    }

    /**
     * Starts the server on the data directory, initializing it on first use, and creates the
     * application database if it is missing.
     *
     * @param dataDirectory PostgreSQL's data directory
     * @param port the port, 0 for any free one
     * @param logFile where the server's own output goes
     */
    static PersistentPostgres start(Path dataDirectory, int port, Path logFile) {
        try {
            Files.createDirectories(dataDirectory);
            stopLeftoverServer(dataDirectory);
            EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                    .setDataDirectory(dataDirectory)
                    .setCleanDataDirectory(false)
                    // The local stack's own shutdown stops it, after the services.
                    .setRegisterShutdownHook(false)
                    .setPGStartupWait(Duration.ofSeconds(60))
                    .setServerConfig("max_connections", "200")
                    .setServerConfig("fsync", DURABILITY.get("fsync"))
                    .setServerConfig("synchronous_commit", DURABILITY.get("synchronous_commit"))
                    .setServerConfig("full_page_writes", DURABILITY.get("full_page_writes"))
                    .setServerConfig("shared_buffers", SIZING.get("shared_buffers"))
                    .setServerConfig("max_wal_size", SIZING.get("max_wal_size"))
                    .setServerConfig("checkpoint_timeout", SIZING.get("checkpoint_timeout"))
                    .setOutputRedirector(Redirect.appendTo(logFile.toFile()))
                    .setErrorRedirector(Redirect.appendTo(logFile.toFile()));
            if (port != 0) {
                builder.setPort(port);
            }
            EmbeddedPostgres server = builder.start();
            boolean created = createDatabaseIfMissing(server);
            DatabaseEndpoint endpoint =
                    new DatabaseEndpoint(server.getJdbcUrl("postgres", DATABASE), "postgres", "postgres");
            return new PersistentPostgres(server, dataDirectory, endpoint, created);
        } catch (IOException ex) {
            throw new UncheckedIOException(
                    "Could not start PostgreSQL in " + dataDirectory + ": " + ex.getMessage(), ex);
        }
    }

    DatabaseEndpoint endpoint() {
        return endpoint;
    }

    int port() {
        return server.getPort();
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
     * server is found by its {@code postmaster.pid}, and once that is gone it would keep its port.
     *
     * @throws IllegalStateException when it does not stop
     */
    static void stopLeftoverServer(Path dataDirectory) {
        postmaster(dataDirectory).ifPresent(process -> {
            log.warn("Stopping PostgreSQL (pid {}) left running by an earlier local stack", process.pid());
            process.destroy();
            try {
                process.onExit().get(SHUTDOWN.toSeconds(), TimeUnit.SECONDS);
            } catch (Exception ex) {
                throw new IllegalStateException("PostgreSQL (pid " + process.pid() + ") left running on "
                        + dataDirectory + " did not stop; stop it and try again");
            }
        });
    }

    /** The running PostgreSQL server of a data directory, from its {@code postmaster.pid}, if there is one. */
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
                : parsePid(lines.getFirst().trim())
                        .flatMap(ProcessHandle::of)
                        .filter(ProcessHandle::isAlive)
                        .filter(process -> process.info()
                                .command()
                                .map(command -> command.endsWith("postgres"))
                                .orElse(false));
    }

    private static Optional<Long> parsePid(String value) {
        try {
            return Optional.of(Long.parseLong(value));
        } catch (NumberFormatException ex) {
            return Optional.empty();
        }
    }
}
