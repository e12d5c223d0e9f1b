package com.portfoliobulk.servicesupport.kafka;

import static org.assertj.core.api.Assertions.as;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import com.portfoliobulk.testsupport.FreePorts;
import com.portfoliobulk.testsupport.LogLines;
import com.portfoliobulk.testsupport.TcpProxy;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.kafka.KafkaException;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

class DeclaredTopicsAutoConfigurationTests {

    /**
     * A service starts while its broker cannot be reached (Boot's one attempt at its start fails); the
     * path to the broker, which creates no topic by itself, then opens: the service's declared topic is
     * created, with its partitions. Without the attempts after the start it never was.
     */
    @Test
    void aTopicDeclaredWhileTheBrokerCouldNotBeReachedIsCreatedOnceItCan() {
        EmbeddedKafkaKraftBroker broker = new EmbeddedKafkaKraftBroker(1, 1);
        try (TcpProxy network = new TcpProxy(FreePorts.take(), () -> port(broker.getBrokersAsString()))) {
            broker.brokerProperty("auto.create.topics.enable", "false");
            broker.brokerProperty("advertised.listeners", "EXTERNAL://localhost:" + network.port());
            broker.afterPropertiesSet();
            new ApplicationContextRunner()
                    .withConfiguration(
                            AutoConfigurations.of(KafkaAutoConfiguration.class, DeclaredTopicsAutoConfiguration.class))
                    .withPropertyValues(
                            "spring.kafka.bootstrap-servers=localhost:" + network.port(),
                            "spring.kafka.admin.operation-timeout=2s",
                            "spring.kafka.admin.close-timeout=1s",
                            "spring.kafka.admin.properties.reconnect.backoff.max.ms=500")
                    .withBean("lateTopic", NewTopic.class, () -> DeclaredTopics.topic("declared-late", 3, (short) 1, 1))
                    .run(context -> {
                        assertThat(context).hasNotFailed();
                        await().atMost(Duration.ofSeconds(30))
                                .until(() ->
                                        context.getBean(DeclaredTopicsAutoConfiguration.DeclaredTopicsCreation.class)
                                                        .failedAttempts()
                                                > 0);
                        network.start();
                        try (Admin admin = Admin.create(
                                Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "localhost:" + network.port()))) {
                            await().atMost(Duration.ofSeconds(60))
                                    .pollInterval(Duration.ofMillis(500))
                                    .until(() ->
                                            admin.listTopics().names().get().contains("declared-late"));
                            assertThat(admin.describeTopics(List.of("declared-late"))
                                            .allTopicNames()
                                            .get()
                                            .get("declared-late")
                                            .partitions())
                                    .hasSize(3);
                        }
                    });
        } finally {
            broker.destroy();
        }
    }

    /**
     * A declared topic deleted while the service runs, on a broker that creates no topic by itself:
     * once a send to it failed as to a missing topic, the service creates it again with its declared
     * partitions and configurations, says so in one warning, and sends reach it. Before, the service
     * declared its topics only until the broker had taken them once, and every send failed until it
     * restarted.
     */
    @Test
    void aDeclaredTopicDeletedWhileTheServiceRunsIsCreatedAgainOnceASendToItFailed() {
        EmbeddedKafkaKraftBroker broker = new EmbeddedKafkaKraftBroker(1, 1);
        try {
            broker.brokerProperty("auto.create.topics.enable", "false");
            broker.afterPropertiesSet();
            NewTopic declared = DeclaredTopics.topic("declared-deleted", 3, (short) 1, 1);
            declared.configs(
                    Map.of(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, "1", TopicConfig.RETENTION_MS_CONFIG, "3600000"));
            new ApplicationContextRunner()
                    .withConfiguration(
                            AutoConfigurations.of(KafkaAutoConfiguration.class, DeclaredTopicsAutoConfiguration.class))
                    .withPropertyValues(
                            "spring.kafka.bootstrap-servers=" + broker.getBrokersAsString(),
                            "spring.kafka.producer.properties[max.block.ms]=1000",
                            "spring.kafka.producer.properties[request.timeout.ms]=1000",
                            "spring.kafka.producer.properties[delivery.timeout.ms]=2000")
                    .withBean("deletedTopic", NewTopic.class, () -> declared)
                    .run(context -> {
                        assertThat(context).hasNotFailed();
                        @SuppressWarnings("unchecked")
                        KafkaTemplate<Object, Object> template = context.getBean(KafkaTemplate.class);
                        try (Admin admin = Admin.create(Map.of(
                                        AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.getBrokersAsString()));
                                LogLines log = LogLines.of("com.portfoliobulk.servicesupport.kafka", Level.WARN)) {
                            await().atMost(Duration.ofSeconds(30)).until(() -> sent(template));
                            admin.deleteTopics(List.of("declared-deleted"))
                                    .all()
                                    .get(30, TimeUnit.SECONDS);
                            await().atMost(Duration.ofSeconds(30))
                                    .until(() ->
                                            !admin.listTopics().names().get().contains("declared-deleted"));

                            await().atMost(Duration.ofSeconds(60)).until(() -> sent(template));

                            assertThat(admin.describeTopics(List.of("declared-deleted"))
                                            .allTopicNames()
                                            .get(30, TimeUnit.SECONDS)
                                            .get("declared-deleted")
                                            .partitions())
                                    .hasSize(3);
                            ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, "declared-deleted");
                            assertThat(admin.describeConfigs(List.of(resource))
                                            .all()
                                            .get(30, TimeUnit.SECONDS)
                                            .get(resource)
                                            .get(TopicConfig.RETENTION_MS_CONFIG)
                                            .value())
                                    .isEqualTo("3600000");
                            assertThat(log.lines())
                                    .extracting(ILoggingEvent::getFormattedMessage)
                                    .singleElement(as(InstanceOfAssertFactories.STRING))
                                    .contains(
                                            "The declared topic declared-deleted was missing from the broker",
                                            "created it again as declared, 3 partitions, replication factor 1",
                                            "min.insync.replicas=1",
                                            "retention.ms=3600000");
                        }
                    });
        } finally {
            broker.destroy();
        }
    }

    /** Whether a record sent to the declared topic reached it. */
    private static boolean sent(KafkaTemplate<Object, Object> template) throws InterruptedException {
        try {
            template.send("declared-deleted", "a record").get(30, TimeUnit.SECONDS);
            return true;
        } catch (ExecutionException | TimeoutException | KafkaException failed) {
            // The template throws when the producer failed at once (no metadata after max.block.ms).
            return false;
        }
    }

    private static int port(String bootstrapServers) {
        return Integer.parseInt(bootstrapServers.substring(bootstrapServers.lastIndexOf(':') + 1));
    }
}
