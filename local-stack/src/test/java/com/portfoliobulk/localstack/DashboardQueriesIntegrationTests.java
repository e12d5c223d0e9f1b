package com.portfoliobulk.localstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.contracts.UserRef;
import com.portfoliobulk.testsupport.FreePorts;
import com.portfoliobulk.testsupport.TestTokens;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.web.client.RestClient;
import org.springframework.web.util.UriComponentsBuilder;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Every panel of the Grafana dashboard shows data: a real Prometheus (Debian's {@code prometheus}
 * package; {@code .ci/run} installs it) scrapes the running stack and PostgreSQL's exporter as Compose
 * runs it ({@link PostgresExporter}), a job runs, and each panel's queries are asked of Prometheus as
 * Grafana would ask them, each on its own and without a trailing {@code or vector(0)}. A query that
 * matches no series is a broken query (a misspelt metric or label, a metric nobody registers), also in a
 * panel whose other queries show data; the few whose series need an event this test does not cause are
 * listed ({@link #NO_DATA_HERE}).
 */
class DashboardQueriesIntegrationTests {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /**
     * The dashboard's queries (as it writes them) whose series appear only with an event this test does
     * not cause, and the event; every other query must return data.
     */
    private static final Map<String, String> NO_DATA_HERE = Map.of(
            "sum(rate(bulk_dead_letters_redrive_seconds_count{error!=\"none\"}[$__rate_interval]))",
            "a re-drive of a dead letter whose send fails (the timer's series appear with its first re-drive)");

    private final ServiceStack stack = TestStack.get();

    @Test
    void everyPanelsQueriesReturnDataFromAPrometheusScrapingTheStack(@TempDir Path dir) throws Exception {
        int port = FreePorts.take();
        try (PostgresExporter exporter = PostgresExporter.start(
                PostgresExporter.createMonitoringRole(TestStack.sharedDatabase()), dir.resolve("exporter.log"))) {
            Files.writeString(dir.resolve("prometheus.yml"), scrapeConfig(exporter), StandardCharsets.UTF_8);
            Process prometheus = new ProcessBuilder(
                            "prometheus",
                            "--config.file=" + dir.resolve("prometheus.yml"),
                            "--storage.tsdb.path=" + dir.resolve("data"),
                            "--web.listen-address=127.0.0.1:" + port)
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("prometheus.log").toFile())
                    .start();
            try {
                runAJobWithASkippedTask();
                RestClient http = RestClient.create();
                Map<String, List<String>> panels = panelQueries();
                assertThat(panels).hasSizeGreaterThan(10);
                assertThat(panels.values().stream().flatMap(List::stream))
                        .as("the dashboard's queries that this test cannot give data")
                        .containsAll(NO_DATA_HERE.keySet());
                List<String> empty = new ArrayList<>();
                await().atMost(Duration.ofSeconds(90))
                        .pollInterval(Duration.ofSeconds(2))
                        .untilAsserted(() -> {
                            empty.clear();
                            panels.forEach((title, queries) -> queries.stream()
                                    .filter(query -> !NO_DATA_HERE.containsKey(query))
                                    .filter(query -> !hasData(http, port, asGrafanaAsks(query)))
                                    .forEach(query -> empty.add(title + ": " + query)));
                            assertThat(empty)
                                    .as("queries without data; scrape targets: %s", targets(http, port))
                                    .isEmpty();
                        });
                // An alert on a metric nobody publishes, or publishes only after its first event, never fires.
                Set<String> alertMetrics = new TreeSet<>();
                for (String expression : ProjectFiles.alertExpressions()) {
                    Matcher metric = ProjectFiles.METRIC.matcher(expression);
                    while (metric.find()) {
                        alertMetrics.add(metric.group(1));
                    }
                }
                alertMetrics.addAll(ProjectFiles.postgresMetricsOfTheAlerts());
                assertThat(alertMetrics)
                        .contains(
                                "bulk_invitation_mails_failed_total",
                                "hikaricp_connections_timeout_total",
                                "pg_stat_activity_max_tx_duration");
                assertThat(alertMetrics)
                        .as(
                                "metrics the alerts read, each published by the running stack before anything happened to it")
                        .allSatisfy(metric -> assertThat(hasData(http, port, metric))
                                .as(metric)
                                .isTrue());
            } finally {
                prometheus.destroy();
                if (!prometheus.waitFor(20, TimeUnit.SECONDS)) {
                    prometheus.destroyForcibly();
                }
            }
        }
    }

    private void runAJobWithASkippedTask() {
        TestPortfolio portfolio = TestPortfolio.seed(TestStack.database(), 2);
        UUID adminId = UUID.randomUUID();
        String token = TestTokens.token(adminId, "admin-" + adminId + "@agency.example", portfolio.id(), "OWNER");
        UserRef ann = portfolio.addUser("ann", AccountRole.ANALYST, List.of(portfolio.account(0)));
        GatewayClient gateway = new GatewayClient(stack.gatewayUrl(), token, portfolio.id());
        // Ann is a member of the first account only: one task succeeds, the other is skipped.
        UUID job = gateway.submit(
                Map.of("type", "REMOVE_ACCESS", "userIds", List.of(ann.userId()), "accountIds", portfolio.accounts()));
        gateway.awaitTerminal(job);
    }

    private String scrapeConfig(PostgresExporter exporter) {
        StringBuilder config = new StringBuilder("global:\n  scrape_interval: 1s\nscrape_configs:\n");
        Map<String, String> services = Map.of(
                "api-gateway", stack.gatewayUrl(),
                "bulk-worker", stack.workerUrl(),
                "audit-consumer", stack.auditUrl());
        services.forEach((job, url) -> config.append("  - job_name: ")
                .append(job)
                .append("\n    metrics_path: /actuator/prometheus\n    static_configs:\n      - targets: [\"")
                .append(URI.create(url).getAuthority())
                .append("\"]\n"));
        // The job name of ops/prometheus/prometheus.yml, which the panels and alerts select.
        config.append("  - job_name: postgres\n    static_configs:\n      - targets: [\"")
                .append(exporter.target())
                .append("\"]\n");
        return config.toString();
    }

    /** Each panel's queries, as the dashboard writes them. */
    private static Map<String, List<String>> panelQueries() throws IOException {
        JsonNode dashboard = JSON.readTree(ProjectFiles.file("ops/grafana/dashboards/portfolio-bulk-access.json"));
        Map<String, List<String>> panels = new LinkedHashMap<>();
        for (JsonNode panel : dashboard.path("panels")) {
            List<String> queries = new ArrayList<>();
            for (JsonNode target : panel.path("targets")) {
                queries.add(target.path("expr").asString());
            }
            if (!queries.isEmpty()) {
                panels.put(panel.path("title").asString(), queries);
            }
        }
        return panels;
    }

    /**
     * The query with Grafana's variables as Grafana would fill them for a short range, without a
     * trailing {@code or vector(0)}: that fallback gives any query data, a misspelt one too.
     */
    private static String asGrafanaAsks(String query) {
        return query.replace("$__rate_interval", "30s")
                .replace("$__range", "10m")
                .replaceFirst("\\s+or\\s+vector\\(0\\)\\s*$", "");
    }

    private static boolean hasData(RestClient http, int port, String query) {
        URI uri = UriComponentsBuilder.fromUriString("http://127.0.0.1:" + port + "/api/v1/query")
                .queryParam("query", "{query}")
                .encode()
                .buildAndExpand(query)
                .toUri();
        try {
            JsonNode answer = JSON.readTree(http.get().uri(uri).retrieve().body(String.class));
            return "success".equals(answer.path("status").asString())
                    && !answer.path("data").path("result").isEmpty();
        } catch (RuntimeException notYet) {
            // Prometheus is still starting.
            return false;
        }
    }

    /** Each scrape target's health and last error, for the failure message. */
    private static String targets(RestClient http, int port) {
        try {
            JsonNode answer = JSON.readTree(http.get()
                    .uri("http://127.0.0.1:" + port + "/api/v1/targets")
                    .retrieve()
                    .body(String.class));
            List<String> targets = new ArrayList<>();
            answer.path("data")
                    .path("activeTargets")
                    .forEach(target -> targets.add(target.path("scrapeUrl").asString() + " "
                            + target.path("health").asString() + " "
                            + target.path("lastError").asString()));
            return targets.toString();
        } catch (RuntimeException ex) {
            return "unknown (" + ex + ")";
        }
    }
}
