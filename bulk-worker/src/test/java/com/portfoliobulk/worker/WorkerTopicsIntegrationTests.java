package com.portfoliobulk.worker;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Value;

/** The topics the worker declares carry their min.insync.replicas, whatever the broker's default. */
class WorkerTopicsIntegrationTests extends WorkerIntegrationSupport {

    @Value("${spring.kafka.bootstrap-servers}")
    String bootstrapServers;

    @Test
    void theDeadLetterAndActivityTopicsHaveTheirOwnMinInsyncReplicasAfterStartup() throws Exception {
        List<String> topics =
                List.of(properties.topics().deadLetter(), properties.topics().activity());
        List<ConfigResource> resources = topics.stream()
                .map(topic -> new ConfigResource(ConfigResource.Type.TOPIC, topic))
                .toList();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
            Map<ConfigResource, Config> configs =
                    admin.describeConfigs(resources).all().get(30, TimeUnit.SECONDS);

            for (ConfigResource resource : resources) {
                ConfigEntry entry = configs.get(resource).get(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG);
                // Replication 1 in tests: 1 of 1, set on the topic rather than inherited from the broker.
                assertThat(entry.value()).as(resource.name()).isEqualTo("1");
                assertThat(entry.source()).as(resource.name()).isEqualTo(ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG);
            }
        }
    }
}
