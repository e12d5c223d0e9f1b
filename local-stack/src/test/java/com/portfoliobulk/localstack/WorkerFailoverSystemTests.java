package com.portfoliobulk.localstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.portfoliobulk.testsupport.SharedInfrastructure;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
 * Two bulk-workers, a gateway and an audit-consumer run as separate processes (the executable jars,
 * {@link FaultStack}); one worker is killed ({@code kill -9}) in the middle of a job of a few thousand
 * tasks. The consumer group evicts it after the session timeout and the surviving worker takes its
 * partitions within 10 seconds, and the job ends with every task applied exactly once
 * ({@link PipelineInvariants}). The killed worker stays down: the other fault tests run with the
 * processes still alive.
 */
class WorkerFailoverSystemTests {

    private static final int ACCOUNTS = 60;

    private static final int USERS = 50;

    private static final int PARTITIONS = SharedInfrastructure.PARTITIONS;

    /** The bound on taking over a killed worker's partitions. */
    private static final Duration FAILOVER_WITHIN = Duration.ofSeconds(10);

    private static final Duration PATIENCE = Duration.ofSeconds(120);

    private static FaultStack stack;

    private static Admin admin;

    @BeforeAll
    static void startProcesses() {
        stack = FaultStack.get();
        admin = Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, stack.broker().bootstrapServers()));
    }

    @AfterAll
    static void closeAdmin() {
        if (admin != null) {
            admin.close();
        }
    }

    @Test
    void aKilledWorkersPartitionsAreTakenOverWithinTenSecondsAndNothingIsLostOrDoubled() {
        List<ServiceProcess> workers = stack.processes().of(ServiceProcesses.Service.WORKER);
        ServiceProcess victim = workers.getFirst();
        ServiceProcess survivor = workers.getLast();
        await().atMost(PATIENCE)
                .pollInterval(Duration.ofMillis(200))
                .untilAsserted(() -> assertThat(workersWithPartitions())
                        .as("both worker processes share the task partitions")
                        .containsOnlyKeys(victim.name(), survivor.name()));
        PipelineInvariants invariants = stack.invariants();
        FaultStack.RoleJob job = stack.submitRoleJob(ACCOUNTS, USERS);
        int tasks = job.tasks();

        await().atMost(PATIENCE)
                .pollInterval(Duration.ofMillis(10))
                .until(() -> invariants.finished(job.id()) >= tasks / 10);
        int finishedAtKill = invariants.finished(job.id());
        victim.kill9();
        long killedAt = System.nanoTime();
        await().atMost(PATIENCE)
                .pollInterval(Duration.ofMillis(100))
                .untilAsserted(() -> assertThat(workersWithPartitions())
                        .as("the surviving worker owns every partition")
                        .containsOnlyKeys(survivor.name()));
        Duration takeover = Duration.ofNanos(System.nanoTime() - killedAt);
        invariants.awaitTerminal(job.id(), PATIENCE);
        Duration killToDone = Duration.ofNanos(System.nanoTime() - killedAt);
        PipelineInvariants.Outcome outcome = invariants.outcome(job.id());
        System.out.printf(
                "Worker failover: killed at %d/%d tasks; partitions taken over after %d ms; job done %d ms after the"
                        + " kill; lost %d; doubled %d%n",
                finishedAtKill, tasks, takeover.toMillis(), killToDone.toMillis(), outcome.lost(), outcome.doubled());

        assertThat(finishedAtKill).as("the kill lands in the middle of the job").isLessThan(tasks);
        assertThat(takeover).isLessThan(FAILOVER_WITHIN);
        job.assertAppliedExactlyOnce(stack, PATIENCE);
    }

    /**
     * The worker processes (by client id prefix) that own partitions of the task topic, once the group
     * is stable and every partition is owned; empty otherwise.
     */
    private static Map<String, Integer> workersWithPartitions() throws InterruptedException {
        String workerGroup = stack.topics().workerGroup();
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
