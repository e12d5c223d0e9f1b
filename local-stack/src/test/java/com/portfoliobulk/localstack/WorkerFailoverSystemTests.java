package com.portfoliobulk.localstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.contracts.UserRef;
import com.portfoliobulk.testsupport.SharedInfrastructure;
import com.portfoliobulk.testsupport.TestTokens;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two bulk-workers, a gateway and an audit-consumer run as separate processes (the executable jars)
 * on one database and broker ({@link ServiceProcesses}); one worker is killed ({@code kill -9}) in the
 * middle of a job of a few thousand tasks. The consumer group evicts it after the session timeout
 * and the surviving worker takes its partitions within 10 seconds, and the job ends with every task
 * applied exactly once ({@link PipelineInvariants}).
 */
class WorkerFailoverSystemTests {

    private static final int ACCOUNTS = 60;

    private static final int USERS = 50;

    private static final int TASKS = ACCOUNTS * USERS;

    private static final int PARTITIONS = SharedInfrastructure.PARTITIONS;

    /** The bound on taking over a killed worker's partitions. */
    private static final Duration FAILOVER_WITHIN = Duration.ofSeconds(10);

    private static final Duration PATIENCE = Duration.ofSeconds(90);

    private static final ServiceProcesses.Topics TOPICS = ServiceProcesses.Topics.unique("failover");

    /** Small batches, so that the job lasts long enough for the kill to land in its middle. */
    private static final Map<String, Object> SMALL_BATCHES =
            Map.of("spring.kafka.consumer.max-poll-records", "20", "spring.kafka.listener.concurrency", "2");

    private static ServiceProcesses processes;

    private static PipelineInvariants invariants;

    private static Admin admin;

    private static ServiceProcess victim;

    private static ServiceProcess gateway;

    @BeforeAll
    static void startProcesses() {
        DatabaseEndpoint database = TestStack.sharedDatabase();
        String kafka = SharedInfrastructure.kafkaBootstrapServers();
        processes = ServiceProcesses.on(database, kafka, TOPICS);
        victim = processes.startWorker("failover-a", SMALL_BATCHES);
        processes.startWorker("failover-b", SMALL_BATCHES);
        processes.startAudit("failover-audit", Map.of());
        gateway = processes.startGateway("failover-gateway", Map.of());
        processes.awaitReady(ServiceProcesses.STARTUP);
        invariants = new PipelineInvariants(database, kafka);
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka));
    }

    @AfterAll
    static void stopProcesses() {
        if (admin != null) {
            admin.close();
        }
        if (invariants != null) {
            invariants.close();
        }
        if (processes != null) {
            processes.close();
        }
    }

    @Test
    void aKilledWorkersPartitionsAreTakenOverWithinTenSecondsAndNothingIsLostOrDoubled() throws Exception {
        await().atMost(PATIENCE)
                .pollInterval(Duration.ofMillis(200))
                .untilAsserted(() -> assertThat(workersWithPartitions())
                        .as("both worker processes share the task partitions")
                        .containsOnlyKeys("failover-a", "failover-b"));

        TestPortfolio portfolio = TestPortfolio.seed(invariants.dataSource(), ACCOUNTS);
        List<UserRef> users = new ArrayList<>();
        for (int i = 0; i < USERS; i++) {
            users.add(portfolio.addUser("analyst" + i, AccountRole.ANALYST, portfolio.accounts()));
        }
        UUID admin = UUID.randomUUID();
        GatewayClient client = new GatewayClient(
                gateway.url(),
                TestTokens.token(admin, "admin-" + admin + "@agency.example", portfolio.id(), "OWNER"),
                portfolio.id());
        UUID job = client.submit(Map.of(
                "type",
                "UPDATE_ROLES",
                "userIds",
                users.stream().map(UserRef::userId).toList(),
                "accountIds",
                portfolio.accounts(),
                "role",
                "MANAGER"));

        await().atMost(PATIENCE)
                .pollInterval(Duration.ofMillis(10))
                .until(() -> invariants.finished(job) >= TASKS / 10);
        victim.kill9();
        long killedAt = System.nanoTime();
        int finishedAtKill = invariants.finished(job);
        await().atMost(PATIENCE)
                .pollInterval(Duration.ofMillis(100))
                .untilAsserted(() -> assertThat(workersWithPartitions())
                        .as("the surviving worker owns every partition")
                        .containsOnlyKeys("failover-b"));
        Duration takeover = Duration.ofNanos(System.nanoTime() - killedAt);
        await().atMost(PATIENCE).pollInterval(Duration.ofMillis(100)).until(() -> invariants.finished(job) == TASKS);
        Duration killToDone = Duration.ofNanos(System.nanoTime() - killedAt);
        System.out.printf(
                "Worker failover: killed at %d/%d tasks; partitions taken over after %d ms; job done %d ms after the kill%n",
                finishedAtKill, TASKS, takeover.toMillis(), killToDone.toMillis());

        assertThat(finishedAtKill).as("the kill lands in the middle of the job").isLessThan(TASKS);
        assertThat(takeover).isLessThan(FAILOVER_WITHIN);
        assertThat(client.awaitTerminal(job).get("status").asString()).isEqualTo("COMPLETED");
        invariants.assertCompletedCleanly(job, TASKS, TOPICS, PATIENCE);
        invariants.assertMemberships(
                portfolio.accounts(),
                users.stream().map(UserRef::userId).toList(),
                Map.of(AccountRole.MANAGER.code() + "/ACTIVE", (long) TASKS));
    }

    /**
     * The worker processes (by client id prefix) that own partitions of the task topic, once the group
     * is stable and every partition is owned; empty otherwise.
     */
    private static Map<String, Integer> workersWithPartitions() throws InterruptedException {
        String workerGroup = TOPICS.workerGroup();
        ConsumerGroupDescription group;
        try {
            group = admin.describeConsumerGroups(List.of(workerGroup))
                    .all()
                    .get()
                    .get(workerGroup);
        } catch (ExecutionException ex) {
            if (ex.getCause() instanceof GroupIdNotFoundException) {
                return Map.of();
            }
            throw new IllegalStateException(ex);
        }
        if (group.groupState() != GroupState.STABLE) {
            return Map.of();
        }
        Map<String, Integer> owners = new LinkedHashMap<>();
        Set<TopicPartition> owned = new HashSet<>();
        for (MemberDescription member : group.members()) {
            Set<TopicPartition> partitions = member.assignment().topicPartitions();
            if (partitions.isEmpty()) {
                continue;
            }
            owned.addAll(partitions);
            // Spring Kafka names a listener's consumers <client-id>-<n>.
            String process = member.clientId().replaceFirst("-\\d+$", "");
            owners.merge(process, partitions.size(), Integer::sum);
        }
        return owned.size() == PARTITIONS ? owners : Map.of();
    }
}
