package com.portfoliobulk.localstack;

import static com.portfoliobulk.localstack.ProjectFiles.list;
import static com.portfoliobulk.localstack.ProjectFiles.map;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The metrics dashboard and its plumbing: Prometheus scrapes every service where Compose runs it,
 * Grafana is provisioned with that Prometheus and the dashboard, every panel queries it with PromQL,
 * and every product metric the dashboard and the alerts use is one README.md documents (and the other
 * way round).
 */
class MonitoringConfigTests {

    private static final String DASHBOARD = "ops/grafana/dashboards/portfolio-bulk-access.json";

    private static final Pattern HISTOGRAM_SUFFIX = Pattern.compile("_(bucket|sum|count|max)$");

    private final JsonNode dashboard = JsonMapper.builder().build().readTree(ProjectFiles.file(DASHBOARD));

    private final Map<String, Object> services =
            map(ProjectFiles.yaml("docker-compose.yml").get("services"));

    @Test
    void everyPanelQueriesTheProvisionedPrometheus() {
        Map<String, Object> datasource =
                map(list(ProjectFiles.yaml("ops/grafana/provisioning/datasources/prometheus.yml")
                                .get("datasources"))
                        .getFirst());
        assertThat(datasource).containsEntry("type", "prometheus").containsEntry("url", "http://prometheus:9090");
        assertThat(list(map(services.get("prometheus")).get("ports")))
                .as("Prometheus is reached through Grafana, not published")
                .isEmpty();

        SoftAssertions softly = new SoftAssertions();
        Set<Integer> ids = new HashSet<>();
        for (JsonNode panel : panels()) {
            softly.assertThat(ids.add(panel.path("id").asInt()))
                    .as("unique id of %s", title(panel))
                    .isTrue();
            if (isRow(panel)) {
                continue;
            }
            softly.assertThat(panel.path("datasource").path("uid").asString())
                    .as("datasource of %s", title(panel))
                    .isEqualTo(datasource.get("uid"));
            softly.assertThat(panel.path("targets").size())
                    .as("targets of %s", title(panel))
                    .isPositive();
            for (JsonNode target : panel.path("targets")) {
                String expr = target.path("expr").asString();
                softly.assertThat(expr).as("PromQL of %s", title(panel)).isNotBlank();
                softly.assertThat(balanced(expr))
                        .as("balanced brackets in %s", expr)
                        .isTrue();
                softly.assertThat(target.path("datasource").path("uid").asString())
                        .isEqualTo(datasource.get("uid"));
            }
            JsonNode grid = panel.path("gridPos");
            softly.assertThat(grid.path("x").asInt() + grid.path("w").asInt())
                    .as("%s fits the 24-column grid", title(panel))
                    .isLessThanOrEqualTo(24);
        }
        softly.assertAll();
        assertThat(dashboard.path("uid").asString()).isEqualTo("portfolio-bulk-access");
    }

    @Test
    void showsWhatOperatorsWatch() {
        List<String> queries = queries();

        assertThat(queries)
                .anyMatch(q -> q.contains("sum by (type) (rate(bulk_jobs_submitted_total"))
                .anyMatch(q -> q.contains("sum by (outcome) (rate(bulk_tasks_applied_total"))
                .anyMatch(q -> q.startsWith("histogram_quantile(0.5,") && q.contains("bulk_task_apply_seconds_bucket"))
                .anyMatch(q -> q.startsWith("histogram_quantile(0.95,") && q.contains("bulk_task_apply_seconds_bucket"))
                .anyMatch(q -> q.startsWith("histogram_quantile(0.99,") && q.contains("bulk_task_apply_seconds_bucket"))
                .anyMatch(q -> q.contains("kafka_consumer_fetch_manager_records_lag_max"))
                .anyMatch(q -> q.contains("bulk_relay_backlog"))
                .anyMatch(q -> q.contains("bulk_task_retries_total"))
                .anyMatch(q -> q.contains("bulk_tasks_dead_lettered_total"))
                .anyMatch(
                        q -> q.startsWith("histogram_quantile(0.5,") && q.contains("bulk_job_duration_seconds_bucket"))
                .anyMatch(
                        q -> q.startsWith("histogram_quantile(0.95,") && q.contains("bulk_job_duration_seconds_bucket"))
                .anyMatch(q -> q.contains("http_server_requests_seconds_count{status=~\"5..\"}"))
                .anyMatch(q -> q.contains("resilience4j_circuitbreaker_state"))
                .anyMatch(q -> q.contains("pg_up{job=\"postgres\"}"))
                .anyMatch(q -> q.contains("pg_stat_activity_count{job=\"postgres\"}"))
                .anyMatch(q -> q.contains("pg_settings_max_connections{job=\"postgres\"}"))
                .anyMatch(q -> q.contains("pg_stat_activity_max_tx_duration{job=\"postgres\""));
        // Resilience4j counts every call of a retry, by kind: a panel of retries that showed the calls
        // that needed none would plot each worker transaction and flatten the retries beside it.
        assertThat(queries)
                .filteredOn(q -> q.contains("resilience4j_retry_calls_total"))
                .isNotEmpty()
                .allMatch(q -> q.contains("resilience4j_retry_calls_total{kind!=\"successful_without_retry\"}"));
    }

    @Test
    void usesExactlyTheProductMetricsTheReadmeDocuments() {
        Set<String> documented = ProjectFiles.documentedMetrics();
        assertThat(documented).as("README.md's Metrics table").hasSizeGreaterThanOrEqualTo(10);
        String readme = ProjectFiles.read("README.md");

        Set<String> inDashboard = metrics(queries(), documented);
        Set<String> inAlerts = metrics(ProjectFiles.alertExpressions(), documented);

        assertThat(inDashboard).as("every product metric is on the dashboard").containsAll(documented);
        SoftAssertions softly = new SoftAssertions();
        for (String metric : union(inDashboard, inAlerts)) {
            if (metric.startsWith("bulk_")) {
                softly.assertThat(documented).as("documented in README.md").contains(metric);
            } else {
                softly.assertThat(readme).as("README.md mentions %s", metric).contains(metric);
            }
        }
        Set<String> postgres = new LinkedHashSet<>(ProjectFiles.postgresMetricsOfTheAlerts());
        for (String query : queries()) {
            Matcher metric = ProjectFiles.POSTGRES_METRIC.matcher(query);
            while (metric.find()) {
                postgres.add(metric.group(1));
            }
        }
        for (String metric : postgres) {
            softly.assertThat(readme)
                    .as("README.md mentions PostgreSQL's %s", metric)
                    .contains("`" + metric);
        }
        softly.assertAll();
    }

    /**
     * Every service's actuator, found by its name in Docker's DNS so that each replica of a scaled
     * service is a target of its own, and PostgreSQL's exporter as job {@code postgres} (the job its
     * alerts select) on the port it listens on, at its default path.
     */
    @Test
    void prometheusScrapesEveryServiceWhereComposeRunsIt() {
        Map<String, Object> prometheus = ProjectFiles.yaml("ops/prometheus/prometheus.yml");
        List<String> targets = new ArrayList<>();
        List<String> postgresTargets = new ArrayList<>();
        for (Object job : list(prometheus.get("scrape_configs"))) {
            Map<String, Object> config = map(job);
            if ("alertmanager".equals(config.get("job_name"))) {
                continue;
            }
            boolean postgres = "postgres".equals(config.get("job_name"));
            if (postgres) {
                assertThat(config).doesNotContainKey("metrics_path");
            } else {
                assertThat(config).containsEntry("metrics_path", "/actuator/prometheus");
            }
            if (postgres) {
                for (Object staticConfig : list(config.get("static_configs"))) {
                    list(map(staticConfig).get("targets"))
                            .forEach(target -> postgresTargets.add(String.valueOf(target)));
                }
            } else {
                assertThat(config).as("a service's replicas, from DNS").doesNotContainKey("static_configs");
                for (Object dns : list(config.get("dns_sd_configs"))) {
                    assertThat(map(dns)).containsEntry("type", "A");
                    list(map(dns).get("names")).forEach(name -> targets.add(name + ":" + map(dns).get("port")));
                }
            }
        }
        assertThat(postgresTargets)
                .containsExactly("postgres-exporter:"
                        + list(map(services.get("postgres-exporter")).get("expose"))
                                .getFirst());
        assertThat(ProjectFiles.alertExpressions())
                .filteredOn(expression -> expression.contains("pg_"))
                .isNotEmpty()
                .allSatisfy(expression -> assertThat(expression).contains("{job=\"postgres\"}"));

        assertThat(targets)
                .containsExactlyInAnyOrderElementsOf(ProjectFiles.serviceModules().stream()
                        .map(module -> module + ":"
                                + map(map(services.get(module)).get("environment"))
                                        .get("MANAGEMENT_SERVER_PORT"))
                        .toList());
        assertThat(targets).allSatisfy(target -> assertThat(services).containsKey(target.split(":")[0]));
        assertThat(list(prometheus.get("rule_files"))).containsExactly("/etc/prometheus/alerts.yml");
        List<Object> alertmanagers = list(map(prometheus.get("alerting")).get("alertmanagers"));
        assertThat(alertmanagers).hasSize(1);
        assertThat(list(map(list(map(alertmanagers.getFirst()).get("static_configs"))
                                .getFirst())
                        .get("targets")))
                .containsExactly("alertmanager:9093");
        assertThat(services).containsKey("alertmanager");
    }

    /**
     * Alertmanager itself, as job {@code alertmanager} at the address Prometheus sends alerts to, started
     * so that it counts failed notifications by receiver: the heartbeat stops on those of any receiver
     * but its own, and reads nothing else of it.
     */
    @Test
    void prometheusScrapesAlertmanagersFailedNotificationsByReceiver() {
        List<String> targets = new ArrayList<>();
        for (Object job :
                list(ProjectFiles.yaml("ops/prometheus/prometheus.yml").get("scrape_configs"))) {
            Map<String, Object> config = map(job);
            if ("alertmanager".equals(config.get("job_name"))) {
                assertThat(config).doesNotContainKey("metrics_path");
                for (Object staticConfig : list(config.get("static_configs"))) {
                    list(map(staticConfig).get("targets")).forEach(target -> targets.add(String.valueOf(target)));
                }
            }
        }
        assertThat(targets).containsExactly("alertmanager:9093");
        assertThat(list(map(services.get("alertmanager")).get("command")))
                .contains("--enable-feature=receiver-name-in-metrics");
        assertThat(ProjectFiles.alertExpressions())
                .filteredOn(expression -> expression.contains("alertmanager_"))
                .singleElement()
                .satisfies(expression -> assertThat(expression)
                        .contains(
                                "alertmanager_notifications_failed_total{job=\"alertmanager\", receiver_name!=\"heartbeat\"}",
                                "up{job=\"alertmanager\"}"));
    }

    @Test
    void alertsHaveASeverityAndASummary() {
        List<Object> rules =
                list(map(list(ProjectFiles.yaml("ops/prometheus/alerts.yml").get("groups"))
                                .getFirst())
                        .get("rules"));

        assertThat(rules).isNotEmpty().allSatisfy(rule -> {
            Map<String, Object> alert = map(rule);
            assertThat(alert).containsKeys("alert", "expr");
            Object severity = map(alert.get("labels")).get("severity");
            if ("BulkAlertingHeartbeat".equals(alert.get("alert"))) {
                assertThat(severity)
                        .as("the heartbeat is no warning: nothing mutes it")
                        .isEqualTo("none");
            } else {
                assertThat(severity).as("severity of %s", alert.get("alert")).isIn("warning", "critical");
            }
            assertThat(map(alert.get("annotations"))).containsKey("summary");
            assertThat(balanced(String.valueOf(alert.get("expr")))).isTrue();
        });
    }

    /**
     * Each URL Alertmanager posts to is read from a file ({@code url_file}) that Compose makes from a
     * variable of .env (a top-level config with {@code environment}), which README.md's .env shows.
     */
    @Test
    void alertmanagerReadsEachReceiversUrlFromAComposeConfigOfDotEnv() {
        Map<String, String> urlFiles = new LinkedHashMap<>();
        for (Object receiver :
                list(ProjectFiles.yaml("ops/alertmanager/alertmanager.yml").get("receivers"))) {
            for (Object webhook : list(map(receiver).get("webhook_configs"))) {
                urlFiles.put(
                        String.valueOf(map(receiver).get("name")),
                        String.valueOf(map(webhook).get("url_file")));
            }
        }
        assertThat(urlFiles)
                .containsEntry("operators", "/etc/alertmanager/webhook-url")
                .containsEntry("heartbeat", "/etc/alertmanager/heartbeat-url");

        Map<String, Object> configs =
                map(ProjectFiles.yaml("docker-compose.yml").get("configs"));
        Map<String, String> variables = new LinkedHashMap<>();
        for (Object config : list(map(services.get("alertmanager")).get("configs"))) {
            String source = String.valueOf(map(config).get("source"));
            assertThat(configs).as("top-level configs").containsKey(source);
            variables.put(
                    String.valueOf(map(config).get("target")),
                    String.valueOf(map(configs.get(source)).get("environment")));
        }
        assertThat(variables)
                .containsEntry("/etc/alertmanager/webhook-url", "ALERT_WEBHOOK_URL")
                .containsEntry("/etc/alertmanager/heartbeat-url", "ALERT_HEARTBEAT_URL");
        String readme = ProjectFiles.read("README.md");
        SoftAssertions softly = new SoftAssertions();
        urlFiles.forEach((receiver, file) -> {
            softly.assertThat(variables)
                    .as("the URL file of %s is mounted", receiver)
                    .containsKey(file);
            softly.assertThat(readme)
                    .as("README.md's .env sets the URL of %s", receiver)
                    .contains("\n" + variables.get(file) + "=https://");
        });
        softly.assertAll();
    }

    @Test
    void grafanaLoadsTheDashboardFromWhereComposeMountsIt() {
        Map<String, Object> provider =
                map(list(ProjectFiles.yaml("ops/grafana/provisioning/dashboards/portfolio-bulk-access.yml")
                                .get("providers"))
                        .getFirst());
        String path = String.valueOf(map(provider.get("options")).get("path"));
        Map<String, Object> grafana = map(services.get("grafana"));

        assertThat(list(grafana.get("volumes"))).contains("./ops/grafana/dashboards:" + path + ":ro");
        assertThat(String.valueOf(map(grafana.get("environment")).get("GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH")))
                .isEqualTo(path + "/portfolio-bulk-access.json");
        assertThat(list(grafana.get("volumes")))
                .contains(
                        "./ops/grafana/provisioning/datasources:/etc/grafana/provisioning/datasources:ro",
                        "./ops/grafana/provisioning/dashboards:/etc/grafana/provisioning/dashboards:ro");
    }

    private List<JsonNode> panels() {
        List<JsonNode> panels = new ArrayList<>();
        dashboard.path("panels").forEach(panels::add);
        return panels;
    }

    private List<String> queries() {
        List<String> queries = new ArrayList<>();
        for (JsonNode panel : panels()) {
            panel.path("targets")
                    .forEach(target -> queries.add(target.path("expr").asString()));
        }
        return queries;
    }

    /** The metric names in the queries; a histogram's or summary's series count as its documented name. */
    private static Set<String> metrics(List<String> queries, Set<String> documented) {
        Set<String> names = new LinkedHashSet<>();
        for (String query : queries) {
            Matcher matcher = ProjectFiles.METRIC.matcher(query);
            while (matcher.find()) {
                String name = matcher.group(1);
                String base = HISTOGRAM_SUFFIX.matcher(name).replaceFirst("");
                names.add(!documented.contains(name) && documented.contains(base) ? base : name);
            }
        }
        return names;
    }

    private static Set<String> union(Set<String> first, Set<String> second) {
        Set<String> union = new LinkedHashSet<>(first);
        union.addAll(second);
        return union;
    }

    private static boolean isRow(JsonNode panel) {
        return "row".equals(panel.path("type").asString());
    }

    private static String title(JsonNode panel) {
        return panel.path("title").asString();
    }

    private static boolean balanced(String expr) {
        int round = 0;
        int curly = 0;
        int square = 0;
        for (char c : expr.toCharArray()) {
            switch (c) {
                case '(' -> round++;
                case ')' -> round--;
                case '{' -> curly++;
                case '}' -> curly--;
                case '[' -> square++;
                case ']' -> square--;
                default -> {}
            }
            if (round < 0 || curly < 0 || square < 0) {
                return false;
            }
        }
        return round == 0 && curly == 0 && square == 0;
    }
}
