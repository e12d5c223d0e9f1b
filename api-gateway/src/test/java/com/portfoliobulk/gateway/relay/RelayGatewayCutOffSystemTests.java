package com.portfoliobulk.gateway.relay;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.contracts.AccountRole;
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
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Two gateways relay from one database, and the broker does not answer one of them (its address leads
 * to a closed port: a network cut, a wrong address). That one never takes the relay's lock, so the
 * other relays every batch without waiting behind passes that fail only after the producer's
 * timeouts; once the broker answers it, it relays again. The gateways have a database of their own,
 * so that no other gateway of the test JVM relays their tasks, and a task topic of their own.
 */
class RelayGatewayCutOffSystemTests {

    private static final String CUT_OFF = "relay-cut-off";

    private static final String CONNECTED = "relay-connected";

    private final String topic = "relay-cut-off-" + UUID.randomUUID();

    private OwnDatabase database;

    private TcpProxy network;

    private ConfigurableApplicationContext cutOff;

    private ConfigurableApplicationContext connected;

    @AfterEach
    void tearDown() throws Exception {
        for (ConfigurableApplicationContext gateway : new ConfigurableApplicationContext[] {connected, cutOff}) {
            if (gateway != null) {
                gateway.close();
            }
        }
        if (network != null) {
            network.close();
        }
        if (database != null) {
            database.close();
        }
    }

    @Test
    void aGatewayTheBrokerDoesNotAnswerLeavesTheRelayToTheOtherAndRelaysAgainOnceItAnswers() throws Exception {
        String bootstrap = SharedInfrastructure.kafkaBootstrapServers();
        int brokerPort = Integer.parseInt(bootstrap.substring(bootstrap.lastIndexOf(':') + 1));
        // Not started: nothing listens on its port until the broker is to answer the cut-off gateway.
        network = new TcpProxy(FreePorts.take(), () -> brokerPort);
        database = OwnDatabase.create("relaycut");
        cutOff = start(CUT_OFF, "localhost:" + network.port());
        connected = start(CONNECTED, bootstrap);
        JdbcClient jdbc = connected.getBean(JdbcClient.class);
        long lockKey = connected.getBean(TaskRelay.class).lockKey();

        Set<String> lockHolders = ConcurrentHashMap.newKeySet();
        // Who holds the relay's lock, looked at every 5 ms.
        ScheduledExecutorService watcher = Executors.newSingleThreadScheduledExecutor();
        watcher.scheduleWithFixedDelay(
                () -> lockHolders.addAll(jdbc.sql("""
                                SELECT a.application_name
                                  FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
                                 WHERE l.locktype = 'advisory' AND l.granted
                                   AND l.classid::bigint = :high AND l.objid::bigint = :low AND l.objsubid = 1
                                """)
                        .param("high", Integer.toUnsignedLong((int) (lockKey >>> 32)))
                        .param("low", Integer.toUnsignedLong((int) lockKey))
                        .query(String.class)
                        .list()),
                0,
                5,
                TimeUnit.MILLISECONDS);

        DirectorySeed.Portfolio portfolio = new DirectorySeed(jdbc).portfolio();
        List<UUID> accounts = portfolio.accounts(200);
        UUID ann = portfolio.user("ann");
        accounts.forEach(account -> portfolio.member(account, ann, AccountRole.ANALYST));
        String token = TestTokens.token(UUID.randomUUID(), "admin@agency.test", portfolio.id(), "OWNER");
        String jobs = "/api/v1/portfolios/" + portfolio.id() + "/bulk-jobs";
        String accountIds = accounts.stream().map(id -> "\"" + id + "\"").collect(Collectors.joining(","));
        String setRole = "{\"type\":\"UPDATE_ROLES\",\"userIds\":[\"" + ann + "\"],\"accountIds\":[" + accountIds
                + "],\"role\":\"%s\"}";
        try (TaskTopic tasks = TaskTopic.fromBeginning(bootstrap, topic)) {
            long submittedAt = System.nanoTime();
            UUID first = jobId(StandaloneGateway.api(connected)
                    .post(token, jobs, UUID.randomUUID().toString(), setRole.formatted("MANAGER")));
            tasks.awaitJob(first, accounts.size());
            Duration relayed = Duration.ofNanos(System.nanoTime() - submittedAt);
            watcher.shutdown();
            assertThat(watcher.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
            System.out.printf(
                    "Relay with one gateway cut off from the broker: %d tasks in batches of 20 relayed %d ms after"
                            + " the submission; the relay's lock held by %s%n",
                    accounts.size(), relayed.toMillis(), lockHolders);
            assertThat(lockHolders)
                    .as("the gateway the broker does not answer never took the relay's lock")
                    .doesNotContain(CUT_OFF);

            // The broker answers the cut-off gateway again, and it is the only one left.
            network.start();
            connected.close();
            connected = null;
            UUID second = jobId(StandaloneGateway.api(cutOff)
                    .post(token, jobs, UUID.randomUUID().toString(), setRole.formatted("ADMIN")));
            assertThat(tasks.awaitJob(second, accounts.size())).hasSize(accounts.size());
        }
    }

    /** A gateway named {@code name} (its database sessions' application name) relaying in batches of 20. */
    private ConfigurableApplicationContext start(String name, String bootstrapServers) {
        return StandaloneGateway.start(
                database.endpoint(),
                bootstrapServers,
                "--spring.datasource.hikari.data-source-properties.ApplicationName=" + name,
                // Starting does not wait half a minute for a broker that does not answer.
                "--spring.kafka.admin.operation-timeout=2s",
                "--bulk.gateway.relay.topic=" + topic,
                "--bulk.gateway.relay.batch-size=20",
                "--bulk.gateway.relay.max-backoff=1s");
    }

    private static UUID jobId(Answer answer) {
        assertThat(answer.status()).as(answer.text()).isEqualTo(202);
        return UUID.fromString(answer.body().path("jobId").asString());
    }
}
