package com.portfoliobulk.gateway.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.portfoliobulk.gateway.support.GatewayIntegrationTest;
import com.portfoliobulk.testsupport.DeclaredTopicChecks;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.kafka.core.KafkaAdmin;

/**
 * The gateway declares the task topic with its min.insync.replicas, whatever the broker's default,
 * and with an age limit on its records: 7 days, in segments of a day, well within the 30 days after
 * which finished jobs and their tasks are deleted. A topic that exists already without them (made by
 * an earlier version) gets them when the gateway starts.
 */
class TaskTopicDeclarationIntegrationTests extends GatewayIntegrationTest {

    private static final String SEVEN_DAYS = String.valueOf(Duration.ofDays(7).toMillis());

    private static final String ONE_DAY = String.valueOf(Duration.ofDays(1).toMillis());

    @Autowired
    private KafkaAdmin kafkaAdmin;

    @Test
    void theTaskTopicHasItsOwnMinInsyncReplicasAfterStartup() throws Exception {
        DeclaredTopicChecks.assertOwnMinInsyncReplicas(bootstrapServers, List.of(topic));
    }

    @Test
    void theTaskTopicKeepsItsRecordsSevenDaysInSegmentsOfADay() throws Exception {
        try (Admin admin = DeclaredTopicChecks.admin(bootstrapServers)) {
            assertAgeLimit(admin);
        }
    }

    /**
     * A task topic made before the age limit keeps records whatever their age, as the brokers of Compose
     * and of the local stack do ({@code log.retention.ms=-1}), in segments of Kafka's 7 days. It gets the
     * limit at the gateway's start, when {@code KafkaAdmin} declares the topics (it sets each declared
     * setting whose value differs from the topic's); the records a worker group without offsets reads
     * from its start are then never older than their job's retention.
     */
    @Test
    void anExistingTaskTopicWithoutAnAgeLimitGetsItWhenTheGatewayStarts() throws Exception {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        try (Admin admin = DeclaredTopicChecks.admin(bootstrapServers)) {
            admin.incrementalAlterConfigs(Map.of(
                            resource,
                            List.of(
                                    new AlterConfigOp(
                                            new ConfigEntry(TopicConfig.RETENTION_MS_CONFIG, "-1"),
                                            AlterConfigOp.OpType.SET),
                                    new AlterConfigOp(
                                            new ConfigEntry(TopicConfig.SEGMENT_MS_CONFIG, ""),
                                            AlterConfigOp.OpType.DELETE))))
                    .all()
                    .get(30, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                assertThat(config(admin, TopicConfig.RETENTION_MS_CONFIG).value())
                        .as("retention.ms of the topic as an earlier version left it")
                        .isEqualTo("-1");
                assertThat(config(admin, TopicConfig.SEGMENT_MS_CONFIG).source())
                        .as("segment.ms of the topic as an earlier version left it")
                        .isNotEqualTo(ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG);
            });

            assertThat(kafkaAdmin.initialize())
                    .as("the topics declared at the start")
                    .isTrue();

            assertAgeLimit(admin);
        }
    }

    private void assertAgeLimit(Admin admin) {
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            ConfigEntry retention = config(admin, TopicConfig.RETENTION_MS_CONFIG);
            assertThat(retention.value()).as("retention.ms").isEqualTo(SEVEN_DAYS);
            assertThat(retention.source()).as("retention.ms").isEqualTo(ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG);
            ConfigEntry segment = config(admin, TopicConfig.SEGMENT_MS_CONFIG);
            assertThat(segment.value()).as("segment.ms").isEqualTo(ONE_DAY);
            assertThat(segment.source()).as("segment.ms").isEqualTo(ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG);
        });
    }

    private ConfigEntry config(Admin admin, String name) throws Exception {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        return admin.describeConfigs(List.of(resource))
                .all()
                .get(30, TimeUnit.SECONDS)
                .get(resource)
                .get(name);
    }
}
