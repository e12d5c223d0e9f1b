package com.portfoliobulk.audit.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.portfoliobulk.audit.ActivityEvents;
import com.portfoliobulk.audit.AuditApplication;
import com.portfoliobulk.servicesupport.kafka.KafkaHealthIndicator;
import com.portfoliobulk.testsupport.FreePorts;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.CommonClientConfigs;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.health.actuate.endpoint.HealthDescriptor;
import org.springframework.boot.health.actuate.endpoint.HealthEndpoint;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthContributor;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.health.registry.HealthContributorRegistry;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.http.ResponseEntity;
import org.springframework.kafka.config.KafkaListenerEndpointRegistry;
import org.springframework.kafka.core.KafkaAdmin;
import org.springframework.kafka.event.ConsumerRetryAuthEvent;
import org.springframework.kafka.event.ConsumerRetryAuthSuccessfulEvent;
import org.springframework.kafka.listener.ConcurrentMessageListenerContainer;
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

    /**
     * An activity listener refused by the broker's security (its ACLs granted after the audit-consumer
     * started, its SASL password rotated before the audit-consumer's) polls again every 10 s and writes
     * the entries once it is let in. Without the interval each consumer stopped for good at the first
     * refusal, until a restart.
     */
    @Test
    void theActivityListenersConsumersPollAgainAfterAnAuthenticationOrAuthorizationError() {
        var container =
                (ConcurrentMessageListenerContainer<?, ?>) listeners.getListenerContainer(ActivityEventListener.ID);
        await().atMost(Duration.ofSeconds(30))
                .until(() -> !container.getContainers().isEmpty());
        assertThat(container.getContainers())
                .allSatisfy(
                        consumer -> assertThat(consumer.getContainerProperties().getAuthExceptionRetryInterval())
                                .isEqualTo(Duration.ofSeconds(10)));
    }

    /**
     * An activity listener one of whose consumers the broker refuses (here its credentials: Spring Kafka
     * announces the retry as it does after a real refusal) counts as not running: readiness 503, {@code
     * activityListener} DOWN saying why, {@code bulk_listener_running} 0 for BulkListenerStopped. Once a
     * poll is let in again, all is back by itself. Before, the listener counted as running all the while
     * and no alert fired.
     */
    @Test
    void readinessIsDownWhileTheBrokerRefusesAnActivityConsumerAndUpOnceItTakesItAgain() {
        var container =
                (ConcurrentMessageListenerContainer<?, ?>) listeners.getListenerContainer(ActivityEventListener.ID);
        await().atMost(Duration.ofSeconds(30))
                .until(() -> !container.getContainers().isEmpty() && status("/actuator/health/readiness") == 200);
        assertThat(scrape())
                .contains("bulk_listener_running{application=\"audit-consumer\",listener=\"activity-log\"} 1.0");
        var consumer = container.getContainers().getFirst();

        events.publishEvent(
                new ConsumerRetryAuthEvent(consumer, container, ConsumerRetryAuthEvent.Reason.AUTHENTICATION));
        try {
            assertThat(status("/actuator/health/readiness")).isEqualTo(503);
            assertThat(status("/actuator/health/liveness")).isEqualTo(200);
            assertThat(scrape())
                    .contains("bulk_listener_running{application=\"audit-consumer\",listener=\"activity-log\"} 0.0");
            Health activityListener = ((HealthIndicator) contributors.getContributor("activityListener")).health();
            assertThat(activityListener.getStatus()).isEqualTo(Status.DOWN);
            assertThat(activityListener.getDetails().get("refused"))
                    .asString()
                    .contains("the broker refuses its credentials");
        } finally {
            events.publishEvent(new ConsumerRetryAuthSuccessfulEvent(consumer, container));
        }

        assertThat(status("/actuator/health/readiness")).isEqualTo(200);
        assertThat(scrape())
                .contains("bulk_listener_running{application=\"audit-consumer\",listener=\"activity-log\"} 1.0");
    }

    @Autowired
    ApplicationEventPublisher events;

    @Autowired
    HealthEndpoint health;

    @Autowired
    HealthContributorRegistry contributors;

    @Autowired
    KafkaAdmin kafkaAdmin;

    /**
     * Readiness follows the broker: UP while it answers; DOWN, naming {@code kafka}, once it has not
     * answered for {@code bulk.audit.kafka-down-after}, while the activity listener keeps running and
     * writes nothing. Before, readiness had no part that asked the broker, and stayed UP. The broker the
     * tests share cannot go away, so the audit-consumer's {@code kafka} is swapped for one with its Kafka
     * settings but an address where no broker listens (and {@code kafka-down-after} 1 s).
     */
    @Test
    void readinessIsUpWithTheBrokerAndDownNamingKafkaWhileNoBrokerAnswers() {
        await().atMost(Duration.ofSeconds(30)).until(() -> status("/actuator/health/readiness") == 200);
        assertThat(readinessOfKafka()).isEqualTo(Status.UP);

        Map<String, Object> settings = new HashMap<>(kafkaAdmin.getConfigurationProperties());
        settings.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + FreePorts.take());
        HealthContributor audits = contributors.unregisterContributor("kafka");
        try (KafkaHealthIndicator nobody = new KafkaHealthIndicator(settings, Duration.ofSeconds(1))) {
            contributors.registerContributor("kafka", nobody);
            nobody.start();

            await().atMost(Duration.ofSeconds(30)).until(() -> status("/actuator/health/readiness") == 503);
            assertThat(readinessOfKafka()).isEqualTo(Status.DOWN);
            assertThat(status("/actuator/health/liveness")).isEqualTo(200);
        } finally {
            contributors.unregisterContributor("kafka");
            contributors.registerContributor("kafka", audits);
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> status("/actuator/health/readiness") == 200);
    }

    /** The status of {@code kafka} in the readiness group, as the actuator's health endpoint answers it. */
    private Status readinessOfKafka() {
        HealthDescriptor kafka = health.healthForPath("readiness", "kafka");
        assertThat(kafka).as("kafka in the readiness group").isNotNull();
        return kafka.getStatus();
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
