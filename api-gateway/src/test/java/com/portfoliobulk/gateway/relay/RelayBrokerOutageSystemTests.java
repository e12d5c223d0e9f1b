package com.portfoliobulk.gateway.relay;

import static org.assertj.core.api.Assertions.as;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.contracts.Topics;
import com.portfoliobulk.gateway.support.GatewayCalls;
import com.portfoliobulk.gateway.support.GatewayCalls.Answer;
import com.portfoliobulk.gateway.support.OwnDatabase;
import com.portfoliobulk.gateway.support.StandaloneGateway;
import com.portfoliobulk.gateway.support.TaskTopic;
import com.portfoliobulk.testsupport.DeclaredTopicChecks;
import com.portfoliobulk.testsupport.DirectorySeed;
import com.portfoliobulk.testsupport.FreePorts;
import com.portfoliobulk.testsupport.LogLines;
import com.portfoliobulk.testsupport.SharedInfrastructure;
import com.portfoliobulk.testsupport.TcpProxy;
import com.portfoliobulk.testsupport.TestTokens;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

/**
 * A broker outage while the gateway runs: jobs keep being accepted, the backlog grows, and once the
 * broker is reachable again the relay publishes the backlog by itself, in order. And the task topic
 * deleted while the gateway runs: the gateway declares it again and relays on.
 *
 * <p>The gateway has a broker of its own, for the outage reached only through a {@link TcpProxy} (the
 * broker advertises the proxy's address), so cutting the proxy is an outage for this gateway alone. It
 * also has a database of its own, so that no other gateway relays its tasks.
 */
class RelayBrokerOutageSystemTests {

    /** The producer's timeouts and the relay's back-off, shortened. */
    private static final String[] QUICK_RELAY = {
        "--spring.kafka.producer.properties[max.block.ms]=1000",
        "--spring.kafka.producer.properties[request.timeout.ms]=1000",
        "--spring.kafka.producer.properties[delivery.timeout.ms]=2000",
        "--spring.kafka.producer.properties[reconnect.backoff.max.ms]=200",
        "--bulk.gateway.relay.send-timeout=5s",
        "--bulk.gateway.relay.initial-backoff=100ms",
        "--bulk.gateway.relay.max-backoff=500ms",
        "--bulk.gateway.relay.backlog-refresh-interval=100ms"
    };

    /** The loggers of the declared topics' creation (service-support). */
    private static final String DECLARED_TOPICS_LOG = "com.portfoliobulk.servicesupport.kafka";

    private OwnDatabase database;

    private TcpProxy network;

    private EmbeddedKafkaKraftBroker broker;

    private ConfigurableApplicationContext gateway;

    @AfterEach
    void tearDown() throws Exception {
        if (gateway != null) {
            gateway.close();
        }
        if (broker != null) {
            broker.destroy();
        }
        if (network != null) {
            network.close();
        }
        if (database != null) {
            database.close();
        }
    }

    @Test
    void jobsAreAcceptedDuringABrokerOutageAndPublishedInOrderOnceItEnds() throws Exception {
        network = new TcpProxy(FreePorts.take(), this::brokerPort).start();
        broker = new EmbeddedKafkaKraftBroker(1, SharedInfrastructure.PARTITIONS, Topics.BULK_TASKS);
        broker.brokerProperty("advertised.listeners", "EXTERNAL://localhost:" + network.port());
        broker.afterPropertiesSet();
        database = OwnDatabase.create("outage");
        gateway = StandaloneGateway.start(database.endpoint(), "localhost:" + network.port(), QUICK_RELAY);
        GatewayCalls api = StandaloneGateway.api(gateway);
        GatewayCalls management = StandaloneGateway.management(gateway);
        DirectorySeed.Portfolio portfolio = new DirectorySeed(gateway.getBean(JdbcClient.class)).portfolio();
        UUID ann = portfolio.user("ann");
        List<UUID> accounts = portfolio.accounts(25);
        accounts.forEach(account -> portfolio.member(account, ann, AccountRole.ANALYST));
        String token = TestTokens.token(UUID.randomUUID(), "admin@agency.test", portfolio.id(), "OWNER");
        String jobs = "/api/v1/portfolios/" + portfolio.id() + "/bulk-jobs";
        String accountIds = accounts.stream().map(id -> "\"" + id + "\"").collect(Collectors.joining(","));
        String setRole = "{\"type\":\"UPDATE_ROLES\",\"userIds\":[\"" + ann + "\"],\"accountIds\":[" + accountIds
                + "],\"role\":\"%s\"}";

        UUID before = jobId(api.post(token, jobs, UUID.randomUUID().toString(), setRole.formatted("MANAGER")));
        await().atMost(Duration.ofSeconds(60)).until(() -> backlog(management) == 0);

        network.stop();
        UUID during = jobId(api.post(token, jobs, UUID.randomUUID().toString(), setRole.formatted("ADMIN")));
        UUID alsoDuring = jobId(api.post(
                token,
                jobs,
                UUID.randomUUID().toString(),
                "{\"type\":\"OFFBOARD_USERS\",\"userIds\":[\"" + ann + "\"]}"));
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10)).until(() -> backlog(management) == 50);

        network.start();
        await().atMost(Duration.ofSeconds(60)).until(() -> backlog(management) == 0);

        try (TaskTopic topic = TaskTopic.fromBeginning(broker.getBrokersAsString(), Topics.BULK_TASKS)) {
            List<TaskTopic.Received> records = topic.awaitJobs(List.of(before, during, alsoDuring), 75);
            Map<String, List<UUID>> order = TaskTopic.jobOrderPerAccount(records);
            assertThat(order.keySet())
                    .containsExactlyInAnyOrderElementsOf(
                            accounts.stream().map(UUID::toString).toList());
            order.forEach((account, jobOrder) ->
                    assertThat(jobOrder).as("account %s", account).containsExactly(before, during, alsoDuring));
        }
    }

    /**
     * The task topic deleted while the gateway runs (an operator purges it, or the cluster under it is
     * replaced), on a broker that creates no topic by itself, as production runs them: the gateway
     * declares it again, as declared (its partitions, {@code min.insync.replicas} and retention), says
     * so once in its log, and the tasks of a job submitted then reach it. Before, the gateway declared
     * its topics only until the broker had taken them once: every relay pass then failed ("Topic
     * portfolio.bulk-tasks not present in metadata") until the gateway restarted.
     */
    @Test
    void aTaskTopicDeletedWhileTheGatewayRunsIsDeclaredAgainAndTheNextJobsTasksReachIt() throws Exception {
        broker = new EmbeddedKafkaKraftBroker(1, SharedInfrastructure.PARTITIONS);
        broker.brokerProperty("auto.create.topics.enable", "false");
        broker.afterPropertiesSet();
        database = OwnDatabase.create("deleted_topic");
        gateway = StandaloneGateway.start(database.endpoint(), broker.getBrokersAsString(), QUICK_RELAY);
        // Opened once the gateway started: its start sets up logging anew.
        try (LogLines log = LogLines.of(DECLARED_TOPICS_LOG, Level.WARN)) {
            GatewayCalls api = StandaloneGateway.api(gateway);
            GatewayCalls management = StandaloneGateway.management(gateway);
            Jobs jobs = new Jobs(gateway, api);

            UUID before = jobs.setRole("MANAGER");
            await().atMost(Duration.ofSeconds(60)).until(() -> backlog(management) == 0);
            try (Admin admin = DeclaredTopicChecks.admin(broker.getBrokersAsString())) {
                admin.deleteTopics(List.of(Topics.BULK_TASKS)).all().get(30, TimeUnit.SECONDS);
                await().atMost(Duration.ofSeconds(30))
                        .until(() -> !admin.listTopics().names().get().contains(Topics.BULK_TASKS));
            }

            UUID after = jobs.setRole("ADMIN");
            await().atMost(Duration.ofSeconds(60)).until(() -> backlog(management) == 0);

            try (TaskTopic topic = TaskTopic.fromBeginning(broker.getBrokersAsString(), Topics.BULK_TASKS)) {
                assertThat(topic.awaitJob(after, 25)).hasSize(25);
                assertThat(topic.readToEnd(message -> message.jobId().equals(before)))
                        .as("records of the job relayed before the topic was deleted")
                        .isEmpty();
            }
            try (Admin admin = DeclaredTopicChecks.admin(broker.getBrokersAsString())) {
                assertThat(admin.describeTopics(List.of(Topics.BULK_TASKS))
                                .allTopicNames()
                                .get(30, TimeUnit.SECONDS)
                                .get(Topics.BULK_TASKS)
                                .partitions())
                        .hasSize(SharedInfrastructure.PARTITIONS);
                ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, Topics.BULK_TASKS);
                Config config = admin.describeConfigs(List.of(resource))
                        .all()
                        .get(30, TimeUnit.SECONDS)
                        .get(resource);
                assertThat(config.get(TopicConfig.RETENTION_MS_CONFIG).value())
                        .isEqualTo(String.valueOf(Duration.ofDays(7).toMillis()));
            }
            DeclaredTopicChecks.assertOwnMinInsyncReplicas(broker.getBrokersAsString(), List.of(Topics.BULK_TASKS));
            assertThat(log.lines())
                    .extracting(ILoggingEvent::getFormattedMessage)
                    .filteredOn(line -> line.contains(Topics.BULK_TASKS))
                    .singleElement(as(InstanceOfAssertFactories.STRING))
                    .contains("was missing from the broker", "created it again as declared", "12 partitions");
        }
    }

    /** Jobs of one portfolio, each setting one user's role on its 25 accounts (25 tasks). */
    private static final class Jobs {

        private final GatewayCalls api;

        private final UUID ann;

        private final List<UUID> accounts;

        private final String token;

        private final String path;

        Jobs(ConfigurableApplicationContext gateway, GatewayCalls api) {
            this.api = api;
            DirectorySeed.Portfolio portfolio = new DirectorySeed(gateway.getBean(JdbcClient.class)).portfolio();
            ann = portfolio.user("ann");
            accounts = portfolio.accounts(25);
            accounts.forEach(account -> portfolio.member(account, ann, AccountRole.ANALYST));
            token = TestTokens.token(UUID.randomUUID(), "admin@agency.test", portfolio.id(), "OWNER");
            path = "/api/v1/portfolios/" + portfolio.id() + "/bulk-jobs";
        }

        UUID setRole(String role) {
            String accountIds = accounts.stream().map(id -> "\"" + id + "\"").collect(Collectors.joining(","));
            return jobId(api.post(
                    token,
                    path,
                    UUID.randomUUID().toString(),
                    "{\"type\":\"UPDATE_ROLES\",\"userIds\":[\"" + ann + "\"],\"accountIds\":[" + accountIds
                            + "],\"role\":\"" + role + "\"}"));
        }
    }

    private static UUID jobId(Answer answer) {
        assertThat(answer.status()).as(answer.text()).isEqualTo(202);
        return UUID.fromString(answer.body().path("jobId").asString());
    }

    private int brokerPort() {
        String bootstrap = broker.getBrokersAsString();
        return Integer.parseInt(bootstrap.substring(bootstrap.lastIndexOf(':') + 1));
    }

    private static double backlog(GatewayCalls management) {
        return management
                .get(null, "/actuator/prometheus", Map.of("Accept", "text/plain"))
                .text()
                .lines()
                .filter(line -> line.startsWith("bulk_relay_backlog{"))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                .findFirst()
                .orElse(Double.NaN);
    }
}
