package com.portfoliobulk.localstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The PostgreSQL exporter of docker-compose.yml, run as Compose runs it ({@link PostgresExporter}: the
 * version of the image, with the service's command and login) against the tests' PostgreSQL 17, logged
 * in as the role {@code ops/postgres/monitoring-role.sql} makes. Every metric the alert rules read must
 * be among what it serves, so that a metric another exporter version renames or drops fails here
 * instead of silencing an alert; and the role must see other roles' transactions, which the
 * long-transaction alert reads, and no table. Without the exporter or psql installed this test fails,
 * saying what to install.
 */
class PostgresExporterIntegrationTests {

    /** A sample line of Prometheus' text format: name, labels, value. */
    private static final Pattern SAMPLE = Pattern.compile("(?m)^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*})? (\\S+)");

    /** PostgreSQL's insufficient_privilege. */
    private static final String DENIED = "42501";

    @Test
    void servesEveryMetricTheAlertsReadAsTheMonitoringRole(@TempDir Path dir) throws Exception {
        String image = String.valueOf(PostgresExporter.composeService().get("image"));
        assertThat(image).startsWith("quay.io/prometheuscommunity/postgres-exporter:v");
        assertThat(Programs.run(List.of(PostgresExporter.BINARY, "--version"), Map.of()))
                .as("the exporter tested is the version of the image Compose runs")
                .contains("version " + image.substring(image.lastIndexOf(":v") + 2) + " ");

        DatabaseEndpoint database = TestStack.sharedDatabase();
        DatabaseEndpoint login = PostgresExporter.createMonitoringRole(database);
        String role = login.username();
        try (Connection monitor = DriverManager.getConnection(login.jdbcUrl(), role, login.password());
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

        Path log = dir.resolve("exporter.log");
        // Another role's transaction, open while the exporter is scraped: its age is what
        // BulkPostgresLongTransaction reads, and a role without pg_monitor would not see it.
        try (PostgresExporter exporter = PostgresExporter.start(login, log);
                Connection other =
                        DriverManager.getConnection(database.jdbcUrl(), database.username(), database.password());
                Statement statement = other.createStatement();
                HttpClient http = HttpClient.newHttpClient()) {
            other.setAutoCommit(false);
            statement.execute("SELECT txid_current()");
            URI metrics = URI.create("http://" + exporter.target() + "/metrics");
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
                                .as("pg_up (%s)", log)
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
                    .as("metrics the exporter serves (%s)", log)
                    .containsAll(read);
            assertThat(served.get().get("pg_scrape_collector_success"))
                    .as("every collector of Compose's command works with PostgreSQL 17 (%s)", Files.readString(log))
                    .isNotEmpty()
                    .containsOnly("1");
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
}
