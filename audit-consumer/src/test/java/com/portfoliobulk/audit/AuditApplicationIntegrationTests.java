package com.portfoliobulk.audit;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.testsupport.RawHttp;
import com.portfoliobulk.testsupport.TestTokens;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.registry.otlp.OtlpMeterRegistry;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ApplicationContext;
import org.springframework.web.client.RestClient;

/**
 * The audit-consumer as it starts, accepting the internal tokens of a second secret as while the
 * internal token secret is rotated ({@link TestTokens#ACCEPTED_INTERNAL_SECRET}).
 */
@SpringBootTest(
        webEnvironment = WebEnvironment.RANDOM_PORT,
        properties = {"spring.config.name=" + AuditApplication.CONFIG_NAME, TestTokens.ACCEPTED_INTERNAL_SECRET_PROPERTY
        })
class AuditApplicationIntegrationTests {

    @Autowired
    ApplicationContext context;

    @Test
    void metricsAreForPrometheusOnlyAndNotPushedOverOtlpByDefault() {
        assertThat(context.getBeansOfType(OtlpMeterRegistry.class))
                .as("no OTLP push registry unless BULK_METRICS_OTLP_ENABLED=true")
                .isEmpty();
    }

    /**
     * A scheduled run would be no observation, as in the other services (README "Traces": the sweeps
     * run in no trace); the audit-consumer has none so far. Spring Boot observes each by default.
     */
    @Test
    void aScheduledRunIsNoObservation() {
        ObservationRegistry observations = context.getBean(ObservationRegistry.class);

        assertThat(Observation.createNotStarted("tasks.scheduled.execution", observations)
                        .isNoop())
                .isTrue();
    }

    @LocalServerPort
    int port;

    @Test
    void bootsAgainstRealInfrastructureAndExposesHealthAndMetrics() {
        RestClient http = RestClient.create("http://localhost:" + port);

        String health = http.get().uri("/actuator/health").retrieve().body(String.class);
        String metrics = http.get().uri("/actuator/prometheus").retrieve().body(String.class);

        assertThat(health).contains("\"status\":\"UP\"");
        assertThat(metrics).contains("jvm_memory_used_bytes", "hikaricp_connections");
    }

    @Test
    void theActivityLogApiAnswers401WithoutAValidInternalToken() {
        RestClient http = RestClient.create("http://localhost:" + port);
        String path = "/api/v1/portfolios/" + UUID.randomUUID() + "/accounts/" + UUID.randomUUID() + "/activity-log";

        for (String authorization : new String[] {
            null,
            TestTokens.internalAuthorization("another-secret-of-at-least-32-bytes-000000", TestTokens.AUDIT_AUDIENCE),
            "Bearer " + TestTokens.token(UUID.randomUUID(), "someone@agency.test", UUID.randomUUID(), "OWNER")
        }) {
            RestClient.RequestHeadersSpec<?> request = http.get().uri(path);
            if (authorization != null) {
                request.header("Authorization", authorization);
            }
            int status =
                    request.exchange((req, response) -> response.getStatusCode().value());

            assertThat(status).as(String.valueOf(authorization)).isEqualTo(401);
        }
        int allowed = http.get()
                .uri(path)
                .header("Authorization", TestTokens.auditAuthorization())
                .exchange((req, response) -> response.getStatusCode().value());
        assertThat(allowed).isEqualTo(200);
    }

    /**
     * While the internal token secret is rotated, the activity log API accepts the tokens of the
     * accepted secret too (those of a gateway not rotated yet, or rotated already); a token of any
     * other secret is still refused.
     */
    @Test
    void theActivityLogApiAcceptsTheTokensOfTheAcceptedSecretToo() {
        RestClient http = RestClient.create("http://localhost:" + port);
        String path = "/api/v1/portfolios/" + UUID.randomUUID() + "/accounts/" + UUID.randomUUID() + "/activity-log";

        for (String secret : new String[] {TestTokens.INTERNAL_SECRET, TestTokens.ACCEPTED_INTERNAL_SECRET}) {
            int status = http.get()
                    .uri(path)
                    .header("Authorization", TestTokens.internalAuthorization(secret, TestTokens.AUDIT_AUDIENCE))
                    .exchange((req, response) -> response.getStatusCode().value());

            assertThat(status).as(secret).isEqualTo(200);
        }
        int other = http.get()
                .uri(path)
                .header(
                        "Authorization",
                        TestTokens.internalAuthorization(
                                "another-secret-of-at-least-32-bytes-000000", TestTokens.AUDIT_AUDIENCE))
                .exchange((req, response) -> response.getStatusCode().value());
        assertThat(other).isEqualTo(401);
    }

    /**
     * The activity log API accepts only the tokens made for the audit-consumer: one made for the
     * bulk-worker is refused though signed with the audit-consumer's own secret, and so is one naming the
     * previous version's shared audience and the worker. A token of a gateway of the previous version,
     * whose one audience is the shared one, is accepted during the upgrade.
     */
    @Test
    void theActivityLogApiAcceptsOnlyTokensMadeForTheAuditConsumer() {
        RestClient http = RestClient.create("http://localhost:" + port);
        String path = "/api/v1/portfolios/" + UUID.randomUUID() + "/accounts/" + UUID.randomUUID() + "/activity-log";
        String previous = "portfolio-bulk-internal";
        Map<List<String>, Integer> expected = new LinkedHashMap<>();
        expected.put(List.of(TestTokens.AUDIT_AUDIENCE), 200);
        expected.put(List.of(previous), 200);
        expected.put(List.of(TestTokens.WORKER_AUDIENCE), 401);
        expected.put(List.of(previous, TestTokens.WORKER_AUDIENCE), 401);
        expected.put(List.of(TestTokens.AUDIT_AUDIENCE, TestTokens.WORKER_AUDIENCE), 401);

        expected.forEach((audiences, answer) -> {
            int status = http.get()
                    .uri(path)
                    .header(
                            "Authorization",
                            TestTokens.internalAuthorization(
                                    TestTokens.INTERNAL_SECRET, audiences.toArray(String[]::new)))
                    .exchange((req, response) -> response.getStatusCode().value());

            assertThat(status).as("audiences %s", audiences).isEqualTo(answer);
        });
    }

    /**
     * A form body of a PUT, PATCH or DELETE is not read before the token is checked: the 401 answers
     * a chunked one whose end never comes, which would otherwise be read whole into memory first.
     */
    @Test
    void aFormBodyWithoutTheInternalTokenIsRefusedBeforeItIsRead() throws Exception {
        String statusLine = RawHttp.statusLineBeforeTheEnd(
                port,
                "PUT /api/anything HTTP/1.1\r\nHost: localhost\r\n"
                        + "Content-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n"
                        + "6\r\nfield=\r\n");

        assertThat(statusLine).startsWith("HTTP/1.1 401 ");
    }
}
