package com.portfoliobulk.testsupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationInfoService;
import org.flywaydb.core.api.MigrationVersion;
import org.junit.jupiter.api.Test;

/**
 * What every service's main does with {@code BULK_MIGRATE_ONLY=true} (README, "Upgrading"), run as the
 * Docker image runs it: the main class in a JVM of its own (on the test's class path), configured by
 * environment variables only. On a new database it migrates the schema the service owns to its latest
 * version and exits with status 0, having started nothing else: it connects to no Kafka broker (the
 * bootstrap servers are a socket of the test's, which sees any connection) and serves no HTTP (the test
 * holds the service's HTTP and management ports: a web server could not bind them and the start would
 * fail). A value other than {@code true} or {@code false} starts nothing at all. A service's test
 * implements it, naming the main class, the schema and what else the whole service needs to start.
 */
public interface MigrateOnlyContract {

    /** The environment variable the mains read. */
    String VARIABLE = "BULK_MIGRATE_ONLY";

    /** How long a start of the main may take to reach its wait for the database, on a loaded machine. */
    Duration STARTING = Duration.ofMinutes(2);

    /** The service's main class, as the Docker image's jar starts it. */
    Class<?> mainClass();

    /** The schema the service owns and migrates. */
    String schema();

    /**
     * The variables the whole service needs to start beyond the database, the broker, its ports and
     * {@code BULK_INTERNAL_TOKEN_SECRET}, so that a main that ignored {@value #VARIABLE} would start the
     * service, not fail on a missing setting.
     */
    default Map<String, String> serviceEnvironment() {
        return Map.of();
    }

    @Test
    default void migratesItsSchemaToTheLatestVersionAndExitsWithoutStartingTheService() throws Exception {
        try (EmptyDatabase database = EmptyDatabase.create("migrate_only")) {
            Run run = runMain("true", database.endpoint());

            assertThat(run.ended()).as("exits by itself:%n%s", run.tail()).isTrue();
            assertThat(run.status()).as(run.tail()).isZero();
            assertThat(run.brokerContacted())
                    .as("connected to Kafka:%n%s", run.tail())
                    .isFalse();
            MigrationInfoService migrations = migrations(database.endpoint()).info();
            MigrationInfo[] known = migrations.all();
            assertThat(known).as("migrations of %s", schema()).isNotEmpty();
            assertThat(migrations.pending()).as("pending").isEmpty();
            assertThat(migrations.current().getVersion())
                    .as("the schema's version")
                    .isEqualTo(known[known.length - 1].getVersion());
            assertThat(run.output()).contains("Migrations only", "schema " + schema() + " is at version");
        }
    }

    /**
     * A compression type Kafka does not know ({@code BULK_KAFKA_COMPRESSION=LZ4}, Kafka spells it {@code
     * lz4}) ends the service's start, with a line naming the variable and the values it takes. Before,
     * the service started, and every record it sent failed once its producer was made.
     */
    @Test
    default void aKafkaCompressionTypeKafkaDoesNotKnowEndsTheStartNamingTheVariable() throws Exception {
        try (EmptyDatabase database = EmptyDatabase.create("unknown_compression")) {
            Run run = runMain("false", database.endpoint(), Map.of("BULK_KAFKA_COMPRESSION", "LZ4"));

            assertThat(run.ended()).as("exits by itself:%n%s", run.tail()).isTrue();
            assertThat(run.status()).as(run.tail()).isNotZero();
            assertThat(run.output())
                    .as(run.tail())
                    .contains("BULK_KAFKA_COMPRESSION (spring.kafka.producer.compression-type) is 'LZ4'; it must be"
                            + " one of none, gzip, snappy, lz4, zstd");
        }
    }

    /**
     * SIGTERM (docker stop, Ctrl-C) while the service's start waits for a database that does not accept
     * connections yet: the start ends at once, saying so, rather than wait on until the database
     * answers (and then start the whole service only to stop it) or until the SIGKILL that follows.
     */
    @Test
    default void aStartWaitingForTheDatabaseEndsAtOnceWhenStopped() throws Exception {
        DatabaseEndpoint down =
                new DatabaseEndpoint("jdbc:postgresql://127.0.0.1:" + FreePorts.take() + "/bulk", "bulk", "unused");
        try (Started start = startMain("false", down)) {
            await().atMost(STARTING)
                    .pollInterval(Duration.ofMillis(200))
                    .alias("the start waiting for the database")
                    .until(() -> !start.process().isAlive() || start.output().contains("Retrying in"));
            assertThat(start.process().isAlive())
                    .as("waits for the database:%n%s", start.tail())
                    .isTrue();

            assertEndsWhenStopped(start);
        }
    }

    /**
     * SIGTERM while a start with {@value #VARIABLE}{@code =true} waits for another instance's migrations
     * (an upgrade's index built for minutes): it ends at once, saying so, having migrated nothing.
     */
    @Test
    default void aMigrateOnlyRunWaitingForAnotherInstancesMigrationsEndsAtOnceWhenStopped() throws Exception {
        try (EmptyDatabase database = EmptyDatabase.create("migrate_only_stopped");
                Connection otherInstance = DriverManager.getConnection(
                        database.endpoint().jdbcUrl(),
                        database.endpoint().username(),
                        database.endpoint().password());
                Statement statement = otherInstance.createStatement()) {
            // The previous version's schema, whose upgrade another instance is running.
            MigrationVersion previous =
                    migrations(database.endpoint()).info().all()[0].getVersion();
            Flyway.configure()
                    .configuration(migrations(database.endpoint()).getConfiguration())
                    .target(previous)
                    .load()
                    .migrate();
            // The lock Flyway takes for the schema's history table while it migrates (a constant of its
            // PostgreSQLAdvisoryLockTemplate plus the hash of the table's quoted name).
            long migrationsLock = 77431708279161L + ("\"" + schema() + "\".\"flyway_schema_history\"").hashCode();
            statement.execute("SELECT pg_advisory_lock(" + migrationsLock + ")");
            try (Started run = startMain("true", database.endpoint())) {
                await().atMost(STARTING)
                        .pollInterval(Duration.ofMillis(200))
                        .alias("the run waiting for the other instance's migrations")
                        .until(() -> !run.process().isAlive() || triesLock(statement, migrationsLock));
                assertThat(run.process().isAlive())
                        .as("waits for the other instance's migrations:%n%s", run.tail())
                        .isTrue();

                assertEndsWhenStopped(run);
            }
            assertThat(migrations(database.endpoint()).info().current().getVersion())
                    .as("the schema's version")
                    .isEqualTo(previous);
        }
    }

    /**
     * Sends SIGTERM to the run and checks that it ends within 30 s (Compose's SIGKILL comes after 45
     * s), saying why.
     */
    private static void assertEndsWhenStopped(Started run) throws Exception {
        long stopped = System.nanoTime();
        run.process().destroy();
        assertThat(run.process().waitFor(30, TimeUnit.SECONDS))
                .as("ended by SIGTERM:%n%s", run.tail())
                .isTrue();
        System.out.printf(
                "Stopped while waiting: exited %d ms after SIGTERM, status %d%n",
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stopped),
                run.process().exitValue());
        assertThat(run.output()).contains("Stopped while waiting for the database");
    }

    /** Whether another session of the database is trying to take the advisory lock {@code lock}. */
    private static boolean triesLock(Statement statement, long lock) throws SQLException {
        try (ResultSet tries = statement.executeQuery("SELECT count(*) FROM pg_stat_activity"
                + " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                + " AND query LIKE '%pg_try_advisory_lock(" + lock + ")%'")) {
            tries.next();
            return tries.getLong(1) > 0;
        }
    }

    /** The Flyway of the service's schema, set as the service's configuration file sets it. */
    default Flyway migrations(DatabaseEndpoint database) {
        return Flyway.configure()
                .dataSource(database.jdbcUrl(), database.username(), database.password())
                .schemas(schema())
                .locations("classpath:db/migration/" + schema())
                .load();
    }

    /**
     * Runs the service's main with {@value #VARIABLE} set to {@code value}, against {@code database}, the
     * broker a socket of the test's, the service's ports held by the test; waits up to three minutes
     * for it to exit (and stops it if it has not).
     */
    default Run runMain(String value, DatabaseEndpoint database) throws IOException, InterruptedException {
        return runMain(value, database, Map.of());
    }

    /** As {@link #runMain(String, DatabaseEndpoint)}, with {@code more} environment variables. */
    default Run runMain(String value, DatabaseEndpoint database, Map<String, String> more)
            throws IOException, InterruptedException {
        try (Started main = startMain(value, database, more)) {
            boolean ended = main.process().waitFor(3, TimeUnit.MINUTES);
            if (!ended) {
                main.process().destroyForcibly().waitFor();
            }
            return new Run(ended, ended ? main.process().exitValue() : -1, main.output(), main.brokerContacted());
        }
    }

    /**
     * Starts the service's main as {@link #runMain} does, without waiting for it: the caller ends it
     * (closing what it answers kills it if it still runs).
     */
    default Started startMain(String value, DatabaseEndpoint database) throws IOException {
        return startMain(value, database, Map.of());
    }

    /** As {@link #startMain(String, DatabaseEndpoint)}, with {@code more} environment variables. */
    default Started startMain(String value, DatabaseEndpoint database, Map<String, String> more) throws IOException {
        Path log = Files.createTempFile("migrate-only-" + schema(), ".log");
        ServerSocket broker = new ServerSocket(0);
        ServerSocket httpPort = new ServerSocket(0);
        ServerSocket managementPort = new ServerSocket(0);
        Started started = new Started(null, log, broker, httpPort, managementPort);
        try {
            ProcessBuilder main = new ProcessBuilder(
                            Path.of(System.getProperty("java.home"), "bin", "java")
                                    .toString(),
                            "-cp",
                            System.getProperty("java.class.path"),
                            mainClass().getName())
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile());
            Map<String, String> environment = new HashMap<>(serviceEnvironment());
            environment.put(VARIABLE, value);
            environment.put("BULK_DB_URL", database.jdbcUrl());
            environment.put("BULK_DB_USER", database.username());
            environment.put("BULK_DB_PASSWORD", database.password());
            environment.put("BULK_KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:" + broker.getLocalPort());
            environment.put("PORT", Integer.toString(httpPort.getLocalPort()));
            environment.put("MANAGEMENT_SERVER_PORT", Integer.toString(managementPort.getLocalPort()));
            environment.put("BULK_INTERNAL_TOKEN_SECRET", TestTokens.INTERNAL_SECRET);
            environment.putAll(more);
            main.environment().putAll(environment);
            return new Started(main.start(), log, broker, httpPort, managementPort);
        } catch (IOException | RuntimeException ex) {
            started.close();
            throw ex;
        }
    }

    /**
     * A run of the main under way ({@link #startMain}).
     *
     * @param process the JVM
     * @param log where its output goes
     */
    record Started(Process process, Path log, ServerSocket broker, ServerSocket httpPort, ServerSocket managementPort)
            implements AutoCloseable {

        /** What it printed so far. */
        public String output() throws IOException {
            return Files.readString(log, StandardCharsets.UTF_8);
        }

        /** The end of {@link #output()}, for the messages of failed checks. */
        public String tail() throws IOException {
            String output = output();
            return output.substring(Math.max(0, output.length() - 4000));
        }

        /** Whether it connected to the broker's address. */
        public boolean brokerContacted() throws IOException {
            return accepts(broker);
        }

        /** Kills the JVM if it still runs, and frees what the run held. */
        @Override
        public void close() throws IOException {
            try {
                if (process != null && process.isAlive()) {
                    process.destroyForcibly().waitFor(1, TimeUnit.MINUTES);
                }
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            } finally {
                broker.close();
                httpPort.close();
                managementPort.close();
                Files.deleteIfExists(log);
            }
        }
    }

    /**
     * How a run of the main ended.
     *
     * @param ended whether it exited by itself
     * @param status its exit status (-1 when it had to be stopped)
     * @param output what it printed
     * @param brokerContacted whether it connected to the broker's address
     */
    record Run(boolean ended, int status, String output, boolean brokerContacted) {

        /** The end of the output, where a start that failed says why: for the messages of failed checks. */
        public String tail() {
            return output.substring(Math.max(0, output.length() - 4000));
        }
    }

    /** Whether someone connected to the socket: a connection made waits in its backlog until accepted. */
    private static boolean accepts(ServerSocket socket) throws IOException {
        socket.setSoTimeout(500);
        try (Socket connection = socket.accept()) {
            return true;
        } catch (SocketTimeoutException none) {
            return false;
        }
    }

    /** How many tables the database has, in any schema of the services. */
    static long tables(DatabaseEndpoint database) throws SQLException {
        try (Connection connection =
                        DriverManager.getConnection(database.jdbcUrl(), database.username(), database.password());
                Statement statement = connection.createStatement();
                ResultSet count = statement.executeQuery("SELECT count(*) FROM information_schema.tables"
                        + " WHERE table_schema NOT IN ('pg_catalog', 'information_schema')")) {
            count.next();
            return count.getLong(1);
        }
    }
}
