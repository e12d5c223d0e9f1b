package com.portfoliobulk.servicesupport.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.portfoliobulk.testsupport.FreePorts;
import com.portfoliobulk.testsupport.TcpProxy;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
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

    private static int port(String bootstrapServers) {
        return Integer.parseInt(bootstrapServers.substring(bootstrapServers.lastIndexOf(':') + 1));
    }
}
