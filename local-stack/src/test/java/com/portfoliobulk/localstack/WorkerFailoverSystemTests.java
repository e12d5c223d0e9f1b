package com.portfoliobulk.localstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Two bulk-workers, a gateway and an audit-consumer run as separate processes (the executable jars,
 * {@link FaultStack}), with a job of a few thousand tasks each time.
 *
 * <p>First one worker is frozen ({@code kill -STOP}) in the middle of a batch's transaction, holding
 * its job's row lock, which every other batch of the job then waits for: as a frozen VM or container,
 * it keeps its connections open. The consumer group evicts it after the session timeout, PostgreSQL
 * ends its session after the idle-in-transaction timeout, and the other worker finishes the job while
 * it is still frozen; woken up, it rejoins the group, and every task was applied exactly once.
 *
 * <p>Then one worker is killed ({@code kill -9}) in the middle of a job. The consumer group evicts it
 * after the session timeout and the surviving worker takes its partitions within 10 seconds, and the
 * job ends with every task applied exactly once ({@link PipelineInvariants}). The killed worker stays
 * down: the other fault tests run with the processes still alive.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WorkerFailoverSystemTests {

    private static final int ACCOUNTS = 60;

    private static final int USERS = 50;

    /** The bound on taking over a killed worker's partitions. */
    private static final Duration FAILOVER_WITHIN = Duration.ofSeconds(10);

    private static final Duration PATIENCE = Duration.ofSeconds(120);

    private static FaultStack stack;

    @BeforeAll
    static void startProcesses() {
        stack = FaultStack.get();
    }

    @Test
    @Order(1)
    void aWorkerFrozenInTheMiddleOfABatchHoldsItsLocksNoLongerThanTheIdleInTransactionTimeout() throws Exception {
        List<ServiceProcess> workers = stack.processes().of(ServiceProcesses.Service.WORKER);
        ServiceProcess victim = workers.getFirst();
        ServiceProcess survivor = workers.getLast();
        awaitBothWorkersOwnPartitions(victim, survivor);
        PipelineInvariants invariants = stack.invariants();
        FaultStack.RoleJob job = stack.submitRoleJob(ACCOUNTS, USERS);
        int tasks = job.tasks();
        await().atMost(PATIENCE)
                .pollInterval(Duration.ofMillis(10))
                .until(() -> invariants.finished(job.id()) >= tasks / 10);

        long frozenAt;
        Duration takeover;
        Duration frozenToDone;
        int finishedAtFreeze;
        try {
            try (Connection blocker = invariants.dataSource().getConnection()) {
                // Every batch's transaction ends by counting its outcomes on the job's row: held here,
                // it keeps the victim's next batch inside its transaction, its tasks locked.
                blocker.setAutoCommit(false);
                int blockerPid = DatabaseSession.backendPid(blocker);
                try (PreparedStatement lock =
                        blocker.prepareStatement("SELECT 1 FROM jobs.bulk_jobs WHERE id = ? FOR UPDATE")) {
                    lock.setObject(1, job.id());
                    lock.executeQuery().close();
                }
                await().atMost(PATIENCE)
                        .pollInterval(Duration.ofMillis(20))
                        .until(() -> stack.freezeWhileWaitingBehind(victim, blockerPid));
                frozenAt = System.nanoTime();
                finishedAtFreeze = invariants.finished(job.id());
                blocker.rollback();
            }
            // The victim's session takes the job's row and waits, in its transaction, for a process that
            // no longer runs: the other worker's batches wait for that row in turn.
            await().atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(50))
                    .untilAsserted(() -> assertThat(stack.sessions(victim))
                            .as("the frozen %s's sessions", victim.name())
                            .anyMatch(DatabaseSession::idleInTransaction));
            await().atMost(PATIENCE)
                    .pollInterval(Duration.ofMillis(100))
                    .untilAsserted(() -> assertThat(workersWithPartitions())
                            .as("the other worker owns every partition")
                            .containsOnlyKeys(survivor.name()));
            takeover = Duration.ofNanos(System.nanoTime() - frozenAt);
            invariants.awaitTerminal(job.id(), PATIENCE);
            frozenToDone = Duration.ofNanos(System.nanoTime() - frozenAt);
            assertThat(victim.frozen())
                    .as("the job finished while the victim was still frozen")
                    .isTrue();
            assertThat(stack.sessions(victim))
                    .as("PostgreSQL ended the frozen worker's transaction")
                    .noneMatch(DatabaseSession::idleInTransaction);
        } finally {
            victim.thaw();
        }
        Duration thawToRejoined = timed(() -> awaitBothWorkersOwnPartitions(victim, survivor));
        PipelineInvariants.Outcome outcome = invariants.outcome(job.id());
        System.out.printf(
                "Frozen worker: frozen at %d/%d tasks in a batch's transaction; partitions taken over after %d ms; job"
                        + " done %d ms after the freeze; rejoined %d ms after being woken; lost %d; doubled %d%n",
                finishedAtFreeze,
                tasks,
                takeover.toMillis(),
                frozenToDone.toMillis(),
                thawToRejoined.toMillis(),
                outcome.lost(),
                outcome.doubled());

        assertThat(finishedAtFreeze)
                .as("the freeze lands in the middle of the job")
                .isLessThan(tasks);
        // Each of the frozen worker's consumers may have a transaction waiting for the job's row: PostgreSQL
        // ends them one after the other, each after standing idle with the row for the timeout.
        assertThat(frozenToDone)
                .as("the job waits for the frozen worker's transactions no longer than their idle-in-transaction"
                        + " timeouts")
                .isLessThan(FaultStack.IDLE_IN_TRANSACTION_TIMEOUT
                        .multipliedBy(FaultStack.WORKER_CONCURRENCY)
                        .plus(Duration.ofSeconds(30)));
        job.assertAppliedExactlyOnce(stack, PATIENCE);
    }

    @Test
    @Order(2)
    void aKilledWorkersPartitionsAreTakenOverWithinTenSecondsAndNothingIsLostOrDoubled() {
        List<ServiceProcess> workers = stack.processes().of(ServiceProcesses.Service.WORKER);
        ServiceProcess victim = workers.getFirst();
        ServiceProcess survivor = workers.getLast();
        awaitBothWorkersOwnPartitions(victim, survivor);
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

    private static void awaitBothWorkersOwnPartitions(ServiceProcess one, ServiceProcess other) {
        await().atMost(PATIENCE)
                .pollInterval(Duration.ofMillis(200))
                .untilAsserted(() -> assertThat(workersWithPartitions())
                        .as("both worker processes share the task partitions")
                        .containsOnlyKeys(one.name(), other.name()));
    }

    private static Duration timed(Runnable action) {
        long start = System.nanoTime();
        action.run();
        return Duration.ofNanos(System.nanoTime() - start);
    }

    private static Map<String, Integer> workersWithPartitions() throws InterruptedException {
        return ConsumerGroups.owners(stack.admin(), stack.topics().workerGroup());
    }
}
