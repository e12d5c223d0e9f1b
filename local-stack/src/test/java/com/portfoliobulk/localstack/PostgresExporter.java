package com.portfoliobulk.localstack;

import static com.portfoliobulk.localstack.ProjectFiles.list;
import static com.portfoliobulk.localstack.ProjectFiles.map;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The PostgreSQL exporter of docker-compose.yml (service {@code postgres-exporter}), run as Compose
 * runs it: Debian's {@code prometheus-postgres-exporter} with the service's command and login, logged
 * in as the role {@code ops/postgres/monitoring-role.sql} makes, which psql runs as the postgres
 * container does. Both programs must be installed (Debian: {@code prometheus-postgres-exporter},
 * {@code postgresql-client}; {@code .ci/run} installs them): without them the tests that use this
 * fail, saying so, rather than pass unchecked.
 */
final class PostgresExporter implements AutoCloseable {

    static final String BINARY = "/usr/bin/prometheus-postgres-exporter";

    static final String ROLE_SCRIPT = "ops/postgres/monitoring-role.sql";

    private static final Pattern JDBC_URL = Pattern.compile("^jdbc:postgresql://([^:/]+):(\\d+)/([^?]+)");

    private final Process process;

    private final int port;

    private PostgresExporter(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /** The exporter's service in docker-compose.yml. */
    static Map<String, Object> composeService() {
        return map(map(ProjectFiles.yaml("docker-compose.yml").get("services")).get("postgres-exporter"));
    }

    /**
     * Runs the monitoring role's script on the database as its superuser, with a new password, and
     * returns the role's login (the user Compose's exporter logs in as).
     */
    static DatabaseEndpoint createMonitoringRole(DatabaseEndpoint database) {
        Matcher url = JDBC_URL.matcher(database.jdbcUrl());
        assertThat(url.find()).as(database.jdbcUrl()).isTrue();
        String password = UUID.randomUUID().toString();
        run(
                List.of(
                        "psql",
                        "-X",
                        "-h",
                        url.group(1),
                        "-p",
                        url.group(2),
                        "-U",
                        database.username(),
                        "-d",
                        url.group(3),
                        "-f",
                        ProjectFiles.file(ROLE_SCRIPT).toString()),
                Map.of("PGPASSWORD", database.password(), "BULK_MONITOR_DB_PASSWORD", password));
        String role = String.valueOf(map(composeService().get("environment")).get("DATA_SOURCE_USER"));
        return new DatabaseEndpoint(database.jdbcUrl().replaceFirst("[?].*$", ""), role, password);
    }

    /** Starts the exporter with Compose's command and data source on a free port, logging to {@code log}. */
    static PostgresExporter start(DatabaseEndpoint login, Path log) throws IOException {
        Matcher url = JDBC_URL.matcher(login.jdbcUrl());
        assertThat(url.find()).as(login.jdbcUrl()).isTrue();
        Map<String, Object> service = composeService();
        Map<String, Object> environment = map(service.get("environment"));
        String composeUri = String.valueOf(environment.get("DATA_SOURCE_URI"));
        assertThat(composeUri).startsWith("postgres:5432/bulk?");
        int port = ServiceProcesses.freePort();
        List<String> command = new ArrayList<>(List.of(BINARY));
        list(service.get("command")).forEach(argument -> command.add(String.valueOf(argument)));
        command.add("--web.listen-address=127.0.0.1:" + port);
        ProcessBuilder builder =
                new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().remove("DATA_SOURCE_NAME");
        builder.environment()
                .putAll(Map.of(
                        "DATA_SOURCE_URI",
                        composeUri.replace(
                                "postgres:5432/bulk", url.group(1) + ":" + url.group(2) + "/" + url.group(3)),
                        "DATA_SOURCE_USER",
                        login.username(),
                        "DATA_SOURCE_PASS",
                        login.password()));
        return new PostgresExporter(start(builder), port);
    }

    /** Where Prometheus scrapes it: {@code host:port}. */
    String target() {
        return "127.0.0.1:" + port;
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }

    /** Runs a program to its end and returns its output; it must succeed. */
    static String run(List<String> command, Map<String, String> environment) {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().putAll(environment);
        Process process = start(builder);
        try {
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(process.exitValue())
                    .as("%s:%n%s", String.join(" ", command), output)
                    .isZero();
            return output;
        } catch (IOException ex) {
            throw new AssertionError(ex);
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new AssertionError(ex);
        }
    }

    private static Process start(ProcessBuilder builder) {
        try {
            return builder.start();
        } catch (IOException ex) {
            String program = builder.command().getFirst();
            String hint = program.equals(BINARY)
                    ? BINARY + " is not installed: install Debian's prometheus-postgres-exporter package"
                    : program + " is not installed: install Debian's postgresql-client package";
            throw new AssertionError(hint + " (.ci/run does)", ex);
        }
    }
}
