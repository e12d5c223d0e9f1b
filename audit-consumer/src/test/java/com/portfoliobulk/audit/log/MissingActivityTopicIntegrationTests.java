package com.portfoliobulk.audit.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.portfoliobulk.audit.ActivityEvents;
import com.portfoliobulk.audit.AuditApplication;
import com.portfoliobulk.contracts.AccountActivityEvent;
import com.portfoliobulk.testsupport.DeclaredTopicChecks;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * An audit-consumer that starts before the activity topic exists (in Compose it may start before the
 * worker, which declares it) does not create it with the broker's defaults: its listener waits, and
 * records the events once the topic is there. The dead-letter topic it declares itself carries its
 * min.insync.replicas and its retention. Its own topic names and consumer group, so that the other tests' listener is
 * not disturbed.
 */
@SpringBootTest(
        properties = {
            "spring.config.name=" + AuditApplication.CONFIG_NAME,
            "bulk.audit.activity-topic=" + MissingActivityTopicIntegrationTests.TOPIC,
            "bulk.audit.dead-letter-topic=" + MissingActivityTopicIntegrationTests.TOPIC + "-dlt",
            "bulk.audit.group-id=audit-consumer-missing-topic"
        })
class MissingActivityTopicIntegrationTests {

    static final String TOPIC = "portfolio.account-activity.declared-later";

    @Autowired
    JdbcTemplate jdbc;

    @Value("${spring.kafka.bootstrap-servers}")
    String bootstrapServers;

    @Test
    void theListenerDoesNotCreateItsTopicAndReadsItOnceItIsDeclared() throws Exception {
        try (Admin admin = DeclaredTopicChecks.admin(bootstrapServers);
                ActivityEvents events = new ActivityEvents(bootstrapServers, TOPIC)) {
            // The listener polls continuously meanwhile; then the topic is made as the worker declares it.
            DeclaredTopicChecks.assertNotCreatedByItsConsumerThenDeclare(admin, TOPIC, Duration.ofSeconds(3));
            UUID portfolio = UUID.randomUUID();
            AccountActivityEvent event = ActivityEvents.roleChanged(
                    portfolio, UUID.randomUUID(), ActivityEvents.newAdmin(), ActivityEvents.now());
            events.publish(List.of(event));

            await().atMost(Duration.ofSeconds(45))
                    .until(() -> jdbc.queryForObject(
                                    "SELECT count(*) FROM audit.activity_log WHERE portfolio_id = ?",
                                    Long.class,
                                    portfolio)
                            == 1);
        }
    }

    @Test
    void theDeadLetterTopicHasItsOwnMinInsyncReplicasAfterStartup() throws Exception {
        DeclaredTopicChecks.assertOwnMinInsyncReplicas(bootstrapServers, List.of(TOPIC + "-dlt"));
    }

    /**
     * The dead-letter topic keeps its dead letters whatever their age, up to 1 GiB a partition, set on
     * the topic itself: a dead letter is the only copy of its event until an operator publishes it
     * again, and a broker's default age limit (Kafka's: 7 days) deleted it before anyone did.
     */
    @Test
    void theDeadLetterTopicKeepsItsDeadLettersWhateverTheirAge() throws Exception {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, TOPIC + "-dlt");
        try (Admin admin = DeclaredTopicChecks.admin(bootstrapServers)) {
            Map<ConfigResource, Config> configs =
                    admin.describeConfigs(List.of(resource)).all().get(30, TimeUnit.SECONDS);
            ConfigEntry age = configs.get(resource).get(TopicConfig.RETENTION_MS_CONFIG);
            ConfigEntry size = configs.get(resource).get(TopicConfig.RETENTION_BYTES_CONFIG);
            assertThat(age.value()).as("retention.ms").isEqualTo("-1");
            assertThat(age.source()).as("retention.ms").isEqualTo(ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG);
            assertThat(size.value()).as("retention.bytes").isEqualTo("1073741824");
            assertThat(size.source()).as("retention.bytes").isEqualTo(ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG);
        }
    }
}
