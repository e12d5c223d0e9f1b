package com.portfoliobulk.localstack;

import static com.portfoliobulk.localstack.ProjectFiles.list;
import static com.portfoliobulk.localstack.ProjectFiles.map;
import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.testsupport.FreePorts;
import java.io.IOException;
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
        String password = UUID.randomUUID().toString();
        Programs.psql(database, ROLE_SCRIPT, Map.of("BULK_MONITOR_DB_PASSWORD", password));
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
        int port = FreePorts.take();
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
        return new PostgresExporter(Programs.start(builder), port);
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
}
