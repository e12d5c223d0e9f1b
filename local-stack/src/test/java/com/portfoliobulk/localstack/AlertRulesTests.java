package com.portfoliobulk.localstack;

import static com.portfoliobulk.localstack.ProjectFiles.list;
import static com.portfoliobulk.localstack.ProjectFiles.map;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The alert rules and the Alertmanager configuration, checked by Prometheus' and Alertmanager's own
 * tools: {@code promtool check rules}, the unit tests of {@code ops/prometheus/alerts-tests.yml}
 * ({@code promtool test rules}) and {@code amtool check-config}. The tools must be installed (Debian:
 * {@code prometheus}, {@code prometheus-alertmanager}; {@code .ci/run} installs them): without them
 * these tests fail rather than pass unchecked.
 */
class AlertRulesTests {

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

    @Test
    void everyAlertHasATestInWhichItFiresAndOneInWhichItDoesNot() {
        Set<String> alerts = new LinkedHashSet<>();
        for (Object group : list(ProjectFiles.yaml("ops/prometheus/alerts.yml").get("groups"))) {
            list(map(group).get("rules"))
                    .forEach(rule -> alerts.add(String.valueOf(map(rule).get("alert"))));
        }
        Set<String> firing = new LinkedHashSet<>();
        Set<String> quiet = new LinkedHashSet<>();
        for (Object test :
                list(ProjectFiles.yaml("ops/prometheus/alerts-tests.yml").get("tests"))) {
            for (Object check : list(map(test).get("alert_rule_test"))) {
                String alert = String.valueOf(map(check).get("alertname"));
                (list(map(check).get("exp_alerts")).isEmpty() ? quiet : firing).add(alert);
            }
        }

        assertThat(firing).as("alerts seen firing").containsExactlyInAnyOrderElementsOf(alerts);
        assertThat(quiet)
                .as("alerts seen quiet where they should be")
                .contains(
                        "BulkRelayStuck",
                        "BulkConsumerLagGrowing",
                        "BulkOldestPendingTaskTooOld",
                        "BulkTasksDeadLettered",
                        "BulkMailFailing");
    }

    /**
     * The Alertmanager of Compose reads its webhook URL from a file ({@code url_file}, Alertmanager
     * 0.26 and later); older {@code amtool}s (Debian's is 0.25) know only {@code url}, so the copy
     * checked here names the URL inline and is otherwise the same.
     */
    @Test
    void theAlertmanagerConfigurationIsValid(@TempDir Path dir) throws IOException {
        String config = ProjectFiles.read("ops/alertmanager/alertmanager.yml");
        assertThat(config).contains("url_file: /etc/alertmanager/webhook-url");
        Path copy = dir.resolve("alertmanager.yml");
        Files.writeString(
                copy,
                config.replace("url_file: /etc/alertmanager/webhook-url", "url: http://127.0.0.1:9/alerts"),
                StandardCharsets.UTF_8);

        assertThat(run("amtool", "check-config", copy.toString())).contains("SUCCESS");
    }

    private static String run(String... command) {
        List<String> arguments = new ArrayList<>(List.of(command));
        try {
            Process process = new ProcessBuilder(arguments)
                    .directory(ProjectFiles.root().toFile())
                    .redirectErrorStream(true)
                    .start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(process.exitValue())
                    .as("%s:%n%s", String.join(" ", command), output)
                    .isZero();
            return output;
        } catch (IOException ex) {
            throw new AssertionError(
                    command[0] + " is not installed: install Debian's prometheus and prometheus-alertmanager"
                            + " packages (.ci/run does)",
                    ex);
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new AssertionError(ex);
        }
    }
}
