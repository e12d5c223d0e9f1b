package com.portfoliobulk.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;

/**
 * Checks of the topics the services declare, against the tests' broker: they carry their own
 * {@code min.insync.replicas}, and a consumer never creates its topic.
 */
public final class DeclaredTopicChecks {

    private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(30);

    private DeclaredTopicChecks() {}

    public static Admin admin(String bootstrapServers) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers));
    }

    /**
     * Asserts that each topic has {@code min.insync.replicas} 1 (replication is 1 in tests) set on the
     * topic itself, not inherited from the broker's default.
     */
    public static void assertOwnMinInsyncReplicas(String bootstrapServers, List<String> topics) throws Exception {
        List<ConfigResource> resources = topics.stream()
                .map(topic -> new ConfigResource(ConfigResource.Type.TOPIC, topic))
                .toList();
        try (Admin admin = admin(bootstrapServers)) {
            Map<ConfigResource, Config> configs =
                    admin.describeConfigs(resources).all().get(ADMIN_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            for (ConfigResource resource : resources) {
                ConfigEntry entry = configs.get(resource).get(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG);
                assertThat(entry.value()).as(resource.name()).isEqualTo("1");
                assertThat(entry.source()).as(resource.name()).isEqualTo(ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG);
            }
        }
    }

    /**
     * Asserts that {@code topic} does not come to exist for {@code during} while its consumer polls
     * (the broker would create it on the first poll of a consumer allowed to), then creates it as its
     * declaring service would.
     */
    public static void assertNotCreatedByItsConsumerThenDeclare(Admin admin, String topic, Duration during)
            throws Exception {
        long end = System.nanoTime() + during.toNanos();
        do {
            assertThat(admin.listTopics().names().get(ADMIN_TIMEOUT.toSeconds(), TimeUnit.SECONDS))
                    .as("topics after its consumer polled it")
                    .doesNotContain(topic);
            Thread.sleep(100);
        } while (System.nanoTime() < end);
        admin.createTopics(List.of(new NewTopic(topic, SharedInfrastructure.PARTITIONS, (short) 1)))
                .all()
                .get(ADMIN_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    }
}
