package com.portfoliobulk.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

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
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationInfoService;
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
        Path log = Files.createTempFile("migrate-only-" + schema(), ".log");
        try (ServerSocket broker = new ServerSocket(0);
                ServerSocket httpPort = new ServerSocket(0);
                ServerSocket managementPort = new ServerSocket(0)) {
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
            main.environment().putAll(environment);
            Process process = main.start();
            boolean ended = process.waitFor(3, TimeUnit.MINUTES);
            if (!ended) {
                process.destroyForcibly().waitFor();
            }
            String output = Files.readString(log, StandardCharsets.UTF_8);
            return new Run(ended, ended ? process.exitValue() : -1, output, accepts(broker));
        } finally {
            Files.deleteIfExists(log);
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
