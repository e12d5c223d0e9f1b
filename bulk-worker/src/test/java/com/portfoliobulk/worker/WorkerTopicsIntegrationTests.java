package com.portfoliobulk.worker;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.testsupport.DeclaredTopicChecks;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Value;

/**
 * The topics the worker declares carry their min.insync.replicas, and the activity topic its retention,
 * whatever the broker's defaults.
 */
class WorkerTopicsIntegrationTests extends WorkerIntegrationSupport {

    @Value("${spring.kafka.bootstrap-servers}")
    String bootstrapServers;

    @Test
    void theDeadLetterAndActivityTopicsHaveTheirOwnMinInsyncReplicasAfterStartup() throws Exception {
        List<String> topics =
                List.of(properties.topics().deadLetter(), properties.topics().activity());
        DeclaredTopicChecks.assertOwnMinInsyncReplicas(bootstrapServers, topics);
    }

    /**
     * The activity topic keeps its events whatever their age, up to 1 GiB a partition, set on the topic
     * itself: the events the audit-consumer has not written yet are kept nowhere else, and a broker's
     * default age limit (Kafka's: 7 days) deleted them while the audit-consumer was stopped, or retried
     * a batch, for longer.
     */
    @Test
    void theActivityTopicKeepsItsEventsWhateverTheirAge() throws Exception {
        String topic = properties.topics().activity();
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        try (Admin admin = DeclaredTopicChecks.admin(bootstrapServers)) {
            Map<ConfigResource, Config> configs =
                    admin.describeConfigs(List.of(resource)).all().get(30, TimeUnit.SECONDS);
            ConfigEntry age = configs.get(resource).get(TopicConfig.RETENTION_MS_CONFIG);
            ConfigEntry size = configs.get(resource).get(TopicConfig.RETENTION_BYTES_CONFIG);
            assertThat(age.value()).as("retention.ms of " + topic).isEqualTo("-1");
            assertThat(age.source())
                    .as("retention.ms of " + topic)
                    .isEqualTo(ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG);
            assertThat(size.value()).as("retention.bytes of " + topic).isEqualTo("1073741824");
            assertThat(size.source())
                    .as("retention.bytes of " + topic)
                    .isEqualTo(ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG);
        }
    }
}
