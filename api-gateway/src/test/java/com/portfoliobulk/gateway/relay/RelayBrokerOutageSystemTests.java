package com.portfoliobulk.gateway.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.contracts.Topics;
import com.portfoliobulk.gateway.support.GatewayCalls;
import com.portfoliobulk.gateway.support.GatewayCalls.Answer;
import com.portfoliobulk.gateway.support.OwnDatabase;
import com.portfoliobulk.gateway.support.StandaloneGateway;
import com.portfoliobulk.gateway.support.TaskTopic;
import com.portfoliobulk.testsupport.DirectorySeed;
import com.portfoliobulk.testsupport.FreePorts;
import com.portfoliobulk.testsupport.SharedInfrastructure;
import com.portfoliobulk.testsupport.TcpProxy;
import com.portfoliobulk.testsupport.TestTokens;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

/**
 * A broker outage while the gateway runs: jobs keep being accepted, the backlog grows, and once the
 * broker is reachable again the relay publishes the backlog by itself, in order.
 *
 * <p>The gateway has a broker of its own, reached only through a {@link TcpProxy} (the broker
 * advertises the proxy's address), so cutting the proxy is an outage for this gateway alone. It also
 * has a database of its own, so that no other gateway relays its tasks.
 */
class RelayBrokerOutageSystemTests {

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
        gateway = StandaloneGateway.start(
                database.endpoint(),
                "localhost:" + network.port(),
                "--spring.kafka.producer.properties[max.block.ms]=1000",
                "--spring.kafka.producer.properties[request.timeout.ms]=1000",
                "--spring.kafka.producer.properties[delivery.timeout.ms]=2000",
                "--spring.kafka.producer.properties[reconnect.backoff.max.ms]=200",
                "--bulk.gateway.relay.send-timeout=5s",
                "--bulk.gateway.relay.initial-backoff=100ms",
                "--bulk.gateway.relay.max-backoff=500ms",
                "--bulk.gateway.relay.backlog-refresh-interval=100ms");
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
