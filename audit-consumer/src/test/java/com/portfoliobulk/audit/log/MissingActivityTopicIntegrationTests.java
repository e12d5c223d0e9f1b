package com.portfoliobulk.audit.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.portfoliobulk.audit.ActivityEvents;
import com.portfoliobulk.audit.AuditApplication;
import com.portfoliobulk.contracts.AccountActivityEvent;
import com.portfoliobulk.testsupport.SharedInfrastructure;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
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
 * min.insync.replicas. Its own topic names and consumer group, so that the other tests' listener is
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
        try (Admin admin = admin();
                ActivityEvents events = new ActivityEvents(bootstrapServers, TOPIC)) {
            // The listener polls continuously; the broker would have created the topic on its first poll.
            await().during(Duration.ofSeconds(3))
                    .atMost(Duration.ofSeconds(5))
                    .until(() -> !admin.listTopics()
                            .names()
                            .get(10, TimeUnit.SECONDS)
                            .contains(TOPIC));

            // As the worker declares it.
            admin.createTopics(List.of(new NewTopic(TOPIC, SharedInfrastructure.PARTITIONS, (short) 1)))
                    .all()
                    .get(30, TimeUnit.SECONDS);
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
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, TOPIC + "-dlt");
        try (Admin admin = admin()) {
            ConfigEntry entry = admin.describeConfigs(List.of(resource))
                    .all()
                    .get(30, TimeUnit.SECONDS)
                    .get(resource)
                    .get(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG);

            // Replication 1 in tests: 1 of 1, set on the topic rather than inherited from the broker.
            assertThat(entry.value()).isEqualTo("1");
            assertThat(entry.source()).isEqualTo(ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG);
        }
    }

    private Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers));
    }
}
