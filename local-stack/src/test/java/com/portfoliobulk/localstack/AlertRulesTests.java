package com.portfoliobulk.localstack;

import static com.portfoliobulk.localstack.ProjectFiles.list;
import static com.portfoliobulk.localstack.ProjectFiles.map;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.portfoliobulk.testsupport.FreePorts;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The alert rules and the Alertmanager configuration, checked by Prometheus' and Alertmanager's own
 * tools: {@code promtool check rules}, the unit tests of {@code ops/prometheus/alerts-tests.yml}
 * ({@code promtool test rules}), {@code amtool check-config} and {@code amtool config routes test}. The
 * tools must be installed (Debian: {@code prometheus}, {@code prometheus-alertmanager}; {@code .ci/run}
 * installs them): without them these tests fail rather than pass unchecked.
 */
class AlertRulesTests {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** The dead man's switch: fires while alerting works, goes to its own receiver only, and is never muted. */
    private static final String HEARTBEAT = "BulkAlertingHeartbeat";

    @Test
    void theRulesAreValid() {
        assertThat(run("promtool", "check", "rules", "ops/prometheus/alerts.yml"))
                .contains("SUCCESS");
    }

    @Test
    void everyAlertPassesItsUnitTests() {
        assertThat(run("promtool", "test", "rules", "ops/prometheus/alerts-tests.yml"))
                .contains("SUCCESS");
    }

    /**
     * Every alert fires in a test and stays quiet in another. The heartbeat must fire in a test whose only
     * input series are Alertmanager's (scrape job {@code alertmanager}), where nothing else can: it needs
     * no service to be scraped. It stays quiet while notifications fail or Alertmanager is not scraped.
     */
    @Test
    void everyAlertHasATestInWhichItFiresAndOneInWhichItDoesNot() {
        Set<String> alerts = new LinkedHashSet<>();
        for (Object group : list(ProjectFiles.yaml("ops/prometheus/alerts.yml").get("groups"))) {
            list(map(group).get("rules"))
                    .forEach(rule -> alerts.add(String.valueOf(map(rule).get("alert"))));
        }
        Set<String> firing = new LinkedHashSet<>();
        Set<String> quiet = new LinkedHashSet<>();
        Set<String> firingOnAlertmanagerOnly = new LinkedHashSet<>();
        for (Object test :
                list(ProjectFiles.yaml("ops/prometheus/alerts-tests.yml").get("tests"))) {
            boolean alertmanagerOnly = list(map(test).get("input_series")).stream()
                    .allMatch(
                            series -> String.valueOf(map(series).get("series")).contains("job=\"alertmanager\""));
            for (Object check : list(map(test).get("alert_rule_test"))) {
                String alert = String.valueOf(map(check).get("alertname"));
                boolean fires = !list(map(check).get("exp_alerts")).isEmpty();
                (fires ? firing : quiet).add(alert);
                if (fires && alertmanagerOnly) {
                    firingOnAlertmanagerOnly.add(alert);
                }
            }
        }

        assertThat(alerts).contains(HEARTBEAT);
        assertThat(firing).as("alerts seen firing").containsExactlyInAnyOrderElementsOf(alerts);
        assertThat(firingOnAlertmanagerOnly)
                .as("alerts seen firing with Alertmanager's series only: the heartbeat only")
                .containsExactly(HEARTBEAT);
        assertThat(quiet)
                .as("alerts seen quiet where they should be")
                .contains(
                        HEARTBEAT,
                        "BulkReplicaRestarting",
                        "BulkRelayStuck",
                        "BulkConsumerLagGrowing",
                        "BulkConsumerNotFetching",
                        "BulkListenerStopped",
                        "BulkOldestPendingTaskTooOld",
                        "BulkTasksDeadLettered",
                        "BulkActivityEventsDeadLettered",
                        "BulkMailFailing",
                        "BulkCircuitBreakerOpen");
    }

    /**
     * The Alertmanager of Compose reads its webhook URL from a file ({@code url_file}, Alertmanager
     * 0.26 and later); older {@code amtool}s (Debian's is 0.25) know only {@code url}, so the copy
     * checked here names the URL inline and is otherwise the same.
     */
    @Test
    void theAlertmanagerConfigurationIsValid(@TempDir Path dir) throws IOException {
        Path copy = dir.resolve("alertmanager.yml");
        Files.writeString(copy, checkableAlertmanagerConfig(), StandardCharsets.UTF_8);

        assertThat(run("amtool", "check-config", copy.toString())).contains("SUCCESS");
    }

    /**
     * The heartbeat goes to its own receiver and to no other, every other alert to the operators and
     * never to the heartbeat's ({@code amtool config routes test}, with the labels the unit tests show).
     */
    @Test
    void theHeartbeatAloneGoesToTheHeartbeatReceiver(@TempDir Path dir) throws IOException {
        Path config = dir.resolve("alertmanager.yml");
        Files.writeString(config, checkableAlertmanagerConfig(), StandardCharsets.UTF_8);
        Map<String, Map<String, String>> fired = firedLabels();
        assertThat(fired).containsKey(HEARTBEAT);

        Map<String, List<String>> receivers = new TreeMap<>();
        Map<String, List<String>> expected = new TreeMap<>();
        fired.forEach((alert, labels) -> {
            List<String> command =
                    new ArrayList<>(List.of("amtool", "config", "routes", "test", "--config.file=" + config));
            labels.forEach((name, value) -> command.add(name + "=" + value));
            receivers.put(
                    alert,
                    run(command.toArray(String[]::new))
                            .lines()
                            .map(String::strip)
                            .filter(line -> !line.isEmpty() && !line.startsWith("Warning:"))
                            .toList());
            expected.put(alert, List.of(HEARTBEAT.equals(alert) ? "heartbeat" : "operators"));
        });

        assertThat(receivers).as("the receivers of each alert").isEqualTo(expected);
    }

    /**
     * A service that is down mutes its own warnings and no one else's, and never the heartbeat:
     * Debian's Alertmanager runs the configuration and receives the alerts as the rules make them,
     * with the labels their unit tests show. Alertmanager takes a label missing on both sides as
     * equal, so a rule that drops {@code application} would be muted by any service's outage.
     */
    @Test
    void aServiceThatIsDownMutesItsOwnWarningsOnly(@TempDir Path dir) throws Exception {
        Map<String, Map<String, String>> fired = firedLabels();
        assertThat(fired.values())
                .as("every alert names the service it is about")
                .allSatisfy(labels -> assertThat(labels).containsKey("application"));
        Map<String, String> down = new LinkedHashMap<>(fired.get("BulkServiceDown"));
        assertThat(down).containsEntry("application", "bulk-worker");
        List<Map<String, String>> alerts = new ArrayList<>(List.of(down, fired.get(HEARTBEAT)));
        fired.forEach((alert, labels) -> {
            if ("warning".equals(labels.get("severity"))) {
                alerts.add(labels);
            }
        });
        assertThat(alerts)
                .as("warnings of the service that is down and of another one")
                .anyMatch(labels -> "bulk-worker".equals(labels.get("application")))
                .anyMatch(labels -> "api-gateway".equals(labels.get("application")));

        Path config = dir.resolve("alertmanager.yml");
        Files.writeString(config, checkableAlertmanagerConfig(), StandardCharsets.UTF_8);
        int port = FreePorts.take();
        Process alertmanager = new ProcessBuilder(
                        "prometheus-alertmanager",
                        "--config.file=" + config,
                        "--storage.path=" + dir.resolve("data"),
                        "--web.listen-address=127.0.0.1:" + port,
                        "--cluster.listen-address=")
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("alertmanager.log").toFile())
                .start();
        try (HttpClient http = HttpClient.newHttpClient()) {
            URI api = URI.create("http://127.0.0.1:" + port + "/api/v2/alerts");
            List<Map<String, Object>> posted = alerts.stream()
                    .<Map<String, Object>>map(labels -> Map.of("labels", labels))
                    .toList();
            await().atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(200))
                    .ignoreExceptions()
                    .until(() -> http.send(
                                            HttpRequest.newBuilder(api)
                                                    .header("Content-Type", "application/json")
                                                    .POST(HttpRequest.BodyPublishers.ofString(
                                                            JSON.writeValueAsString(posted)))
                                                    .build(),
                                            HttpResponse.BodyHandlers.discarding())
                                    .statusCode()
                            == 200);

            Map<String, Boolean> muted = new TreeMap<>();
            for (JsonNode alert : JSON.readTree(
                    http.send(HttpRequest.newBuilder(api).GET().build(), HttpResponse.BodyHandlers.ofString())
                            .body())) {
                muted.put(
                        alert.path("labels").path("alertname").asString(),
                        !alert.path("status").path("inhibitedBy").isEmpty());
            }
            Map<String, Boolean> expected = new TreeMap<>();
            alerts.forEach(labels -> expected.put(
                    labels.get("alertname"),
                    "warning".equals(labels.get("severity")) && "bulk-worker".equals(labels.get("application"))));
            assertThat(muted)
                    .as("alerts muted while bulk-worker is down (%s)", dir.resolve("alertmanager.log"))
                    .isEqualTo(expected);
        } finally {
            alertmanager.destroy();
            alertmanager.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** Each alert's labels where its unit tests see it fire (the labels {@code promtool} checked). */
    private static Map<String, Map<String, String>> firedLabels() {
        Map<String, Map<String, String>> fired = new TreeMap<>();
        for (Object test :
                list(ProjectFiles.yaml("ops/prometheus/alerts-tests.yml").get("tests"))) {
            for (Object check : list(map(test).get("alert_rule_test"))) {
                String alert = String.valueOf(map(check).get("alertname"));
                for (Object expected : list(map(check).get("exp_alerts"))) {
                    Map<String, String> labels = new TreeMap<>();
                    labels.put("alertname", alert);
                    map(map(expected).get("exp_labels"))
                            .forEach((name, value) -> labels.put(name, String.valueOf(value)));
                    fired.putIfAbsent(alert, labels);
                }
            }
        }
        return fired;
    }

    private static String checkableAlertmanagerConfig() {
        String config = ProjectFiles.read("ops/alertmanager/alertmanager.yml");
        assertThat(config)
                .contains("url_file: /etc/alertmanager/webhook-url", "url_file: /etc/alertmanager/heartbeat-url");
        return config.replace("url_file: /etc/alertmanager/webhook-url", "url: http://127.0.0.1:9/alerts")
                .replace("url_file: /etc/alertmanager/heartbeat-url", "url: http://127.0.0.1:9/heartbeat");
    }

    private static String run(String... command) {
        return Programs.run(List.of(command), Map.of());
    }
}
