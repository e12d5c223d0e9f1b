package com.portfoliobulk.audit.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.portfoliobulk.audit.ActivityEvents;
import com.portfoliobulk.audit.AuditApplication;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.ResponseEntity;
import org.springframework.kafka.config.KafkaListenerEndpointRegistry;
import org.springframework.kafka.listener.MessageListenerContainer;
import org.springframework.web.client.RestClient;

@SpringBootTest(
        webEnvironment = WebEnvironment.RANDOM_PORT,
        properties = "spring.config.name=" + AuditApplication.CONFIG_NAME)
class ActivityListenerHealthIntegrationTests {

    @LocalServerPort
    int port;

    @Value("${spring.kafka.bootstrap-servers}")
    String bootstrapServers;

    @Autowired
    KafkaListenerEndpointRegistry listeners;

    @Test
    void healthAndReadinessAreDownWhileTheListenerIsStopped() {
        MessageListenerContainer container = listeners.getListenerContainer(ActivityEventListener.ID);
        assertThat(status("/actuator/health")).isEqualTo(200);
        assertThat(status("/actuator/health/readiness")).isEqualTo(200);
        assertThat(scrape())
                .contains("bulk_listener_running{application=\"audit-consumer\",listener=\"activity-log\"} 1.0");

        container.stop();
        try {
            assertThat(status("/actuator/health")).isEqualTo(503);
            assertThat(status("/actuator/health/readiness")).isEqualTo(503);
            assertThat(status("/actuator/health/liveness")).isEqualTo(200);
            // Prometheus sees no health: the gauge tells it, as a stopped consumer reports no lag.
            assertThat(scrape())
                    .contains("bulk_listener_running{application=\"audit-consumer\",listener=\"activity-log\"} 0.0");
        } finally {
            container.start();
        }

        assertThat(status("/actuator/health")).isEqualTo(200);
        assertThat(status("/actuator/health/readiness")).isEqualTo(200);
    }

    @Test
    void prometheusShowsConsumerLagAndTheAuditCounters() {
        try (ActivityEvents events = new ActivityEvents(bootstrapServers)) {
            UUID account = UUID.randomUUID();
            events.publish(List.of(ActivityEvents.roleChanged(
                    UUID.randomUUID(), account, ActivityEvents.newAdmin(), ActivityEvents.now())));
        }

        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(http().get()
                                .uri("/actuator/prometheus")
                                .retrieve()
                                .body(String.class))
                        .contains(
                                "kafka_consumer_fetch_manager_records_lag_max{",
                                "bulk_audit_entries_written_total{",
                                "bulk_audit_duplicates_ignored_total{"));
    }

    private int status(String path) {
        return http().get()
                .uri(path)
                .exchange((request, response) ->
                        ResponseEntity.status(response.getStatusCode()).build())
                .getStatusCode()
                .value();
    }

    private String scrape() {
        return http().get().uri("/actuator/prometheus").retrieve().body(String.class);
    }

    private RestClient http() {
        return RestClient.create("http://localhost:" + port);
    }
}
