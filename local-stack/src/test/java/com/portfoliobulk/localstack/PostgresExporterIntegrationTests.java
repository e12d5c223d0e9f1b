package com.portfoliobulk.localstack;

import static com.portfoliobulk.localstack.ProjectFiles.list;
import static com.portfoliobulk.localstack.ProjectFiles.map;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The PostgreSQL exporter of docker-compose.yml, run as Compose runs it: Debian's {@code
 * prometheus-postgres-exporter} (the version of the image) with the service's command and login,
 * against the tests' PostgreSQL 17, logged in as the role {@code ops/postgres/monitoring-role.sql}
 * makes (run by psql, as the postgres container runs it). Every metric the alert rules read must be
 * among what it serves, so that a metric another exporter version renames or drops fails here instead
 * of silencing an alert; and the role must see other roles' transactions, which the long-transaction
 * alert reads. The exporter and psql must be installed (Debian: {@code prometheus-postgres-exporter},
 * {@code postgresql-client}; {@code .ci/run} installs them): without them this test fails rather
 * than passes unchecked.
 */
class PostgresExporterIntegrationTests {

    private static final String EXPORTER = "/usr/bin/prometheus-postgres-exporter";

    private static final String ROLE_SCRIPT = "ops/postgres/monitoring-role.sql";

    private static final Pattern JDBC_URL = Pattern.compile("^jdbc:postgresql://([^:/]+):(\\d+)/([^?]+)");

    /** A sample line of Prometheus' text format: name, labels, value. */
    private static final Pattern SAMPLE = Pattern.compile("(?m)^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*})? (\\S+)");

    /** PostgreSQL's insufficient_privilege. */
    private static final String DENIED = "42501";

    @Test
    void servesEveryMetricTheAlertsReadAsTheMonitoringRole(@TempDir Path dir) throws Exception {
        Map<String, Object> service =
                map(map(ProjectFiles.yaml("docker-compose.yml").get("services")).get("postgres-exporter"));
        Map<String, Object> environment = map(service.get("environment"));
        String image = String.valueOf(service.get("image"));
        assertThat(image).startsWith("quay.io/prometheuscommunity/postgres-exporter:v");
        assertThat(run(List.of(EXPORTER, "--version"), Map.of()))
                .as("the exporter tested is the version of the image Compose runs")
                .contains("version " + image.substring(image.lastIndexOf(":v") + 2) + " ");

        DatabaseEndpoint database = TestStack.sharedDatabase();
        Matcher url = JDBC_URL.matcher(database.jdbcUrl());
        assertThat(url.find()).as(database.jdbcUrl()).isTrue();
        String host = url.group(1);
        String port = url.group(2);
        String name = url.group(3);
        String role = String.valueOf(environment.get("DATA_SOURCE_USER"));
        String password = UUID.randomUUID().toString();

        run(
                List.of(
                        "psql",
                        "-X",
                        "-h",
                        host,
                        "-p",
                        port,
                        "-U",
                        database.username(),
                        "-d",
                        name,
                        "-f",
                        ProjectFiles.file(ROLE_SCRIPT).toString()),
                Map.of("PGPASSWORD", database.password(), "BULK_MONITOR_DB_PASSWORD", password));

        String monitorUrl = database.jdbcUrl().replaceFirst("[?].*$", "");
        try (Connection monitor = DriverManager.getConnection(monitorUrl, role, password);
                Statement statement = monitor.createStatement()) {
            assertThat(single(statement, "SELECT pg_has_role(current_user, 'pg_monitor', 'MEMBER')"))
                    .as("%s is a member of pg_monitor", role)
                    .isEqualTo("t");
            assertThat(single(statement, "SELECT rolsuper FROM pg_roles WHERE rolname = current_user"))
                    .as("%s is a superuser", role)
                    .isEqualTo("f");
            assertThatThrownBy(() -> statement.executeQuery("SELECT count(*) FROM jobs.bulk_jobs"))
                    .as("%s reads no table of the services", role)
                    .isInstanceOfSatisfying(
                            SQLException.class,
                            ex -> assertThat(ex.getSQLState()).isEqualTo(DENIED));
        }

        int exporterPort = ServiceProcesses.freePort();
        List<String> command = new ArrayList<>(List.of(EXPORTER));
        list(service.get("command")).forEach(argument -> command.add(String.valueOf(argument)));
        command.add("--web.listen-address=127.0.0.1:" + exporterPort);
        String composeUri = String.valueOf(environment.get("DATA_SOURCE_URI"));
        assertThat(composeUri).startsWith("postgres:5432/bulk?");
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("exporter.log").toFile());
        builder.environment().remove("DATA_SOURCE_NAME");
        builder.environment()
                .putAll(Map.of(
                        "DATA_SOURCE_URI",
                        composeUri.replace("postgres:5432/bulk", host + ":" + port + "/" + name),
                        "DATA_SOURCE_USER",
                        role,
                        "DATA_SOURCE_PASS",
                        password));
        Process exporter = start(builder);
        // Another role's transaction, open while the exporter is scraped: its age is what
        // BulkPostgresLongTransaction reads, and a role without pg_monitor would not see it.
        try (Connection other =
                        DriverManager.getConnection(database.jdbcUrl(), database.username(), database.password());
                Statement statement = other.createStatement();
                HttpClient http = HttpClient.newHttpClient()) {
            other.setAutoCommit(false);
            statement.execute("SELECT txid_current()");
            URI metrics = URI.create("http://127.0.0.1:" + exporterPort + "/metrics");
            AtomicReference<Map<String, List<String>>> served = new AtomicReference<>(Map.of());
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(500))
                    .ignoreExceptions()
                    .untilAsserted(() -> {
                        served.set(samples(http.send(
                                        HttpRequest.newBuilder(metrics).GET().build(),
                                        HttpResponse.BodyHandlers.ofString())
                                .body()));
                        assertThat(served.get().get("pg_up"))
                                .as("pg_up (%s)", dir.resolve("exporter.log"))
                                .containsExactly("1");
                        assertThat(served.get().get("pg_stat_activity_max_tx_duration").stream()
                                        .mapToDouble(Double::parseDouble)
                                        .max()
                                        .orElse(0))
                                .as("the age of the open transaction, in seconds")
                                .isGreaterThanOrEqualTo(1);
                    });
            other.rollback();

            Set<String> read = ProjectFiles.postgresMetricsOfTheAlerts();
            assertThat(read)
                    .as("the exporter's metrics the alerts read")
                    .contains("pg_up", "pg_stat_activity_count", "pg_settings_max_connections");
            assertThat(served.get().keySet())
                    .as("metrics the exporter serves (%s)", dir.resolve("exporter.log"))
                    .containsAll(read);
            assertThat(served.get().get("pg_scrape_collector_success"))
                    .as(
                            "every collector of Compose's command works with PostgreSQL 17 (%s)",
                            Files.readString(dir.resolve("exporter.log")))
                    .isNotEmpty()
                    .containsOnly("1");
        } finally {
            exporter.destroy();
            if (!exporter.waitFor(10, TimeUnit.SECONDS)) {
                exporter.destroyForcibly();
            }
        }
    }

    /** The values of each metric's samples, by the metric's name. */
    private static Map<String, List<String>> samples(String body) {
        Map<String, List<String>> samples = new TreeMap<>();
        Matcher sample = SAMPLE.matcher(body);
        while (sample.find()) {
            samples.computeIfAbsent(sample.group(1), metric -> new ArrayList<>())
                    .add(sample.group(3));
        }
        return samples;
    }

    private static String single(Statement statement, String sql) throws SQLException {
        try (ResultSet result = statement.executeQuery(sql)) {
            assertThat(result.next()).as(sql).isTrue();
            return result.getString(1);
        }
    }

    private static Process start(ProcessBuilder builder) {
        try {
            return builder.start();
        } catch (IOException ex) {
            throw notInstalled(builder.command().getFirst(), ex);
        }
    }

    private static String run(List<String> command, Map<String, String> environment) {
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

    private static AssertionError notInstalled(String program, IOException cause) {
        String hint = program.equals(EXPORTER)
                ? EXPORTER + " is not installed: install Debian's prometheus-postgres-exporter package"
                : program + " is not installed: install Debian's postgresql-client package";
        return new AssertionError(hint + " (.ci/run does)", cause);
    }
}
