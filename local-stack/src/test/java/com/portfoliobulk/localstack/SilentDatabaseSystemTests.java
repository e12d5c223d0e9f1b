package com.portfoliobulk.localstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The network between one process of a consumer group and PostgreSQL goes silent in the middle of a
 * job ({@link SilentProxy}): no answer, no closed connection, as when the database's host is lost or a
 * failover moves its address, while the broker still hears the process. Its statements waiting on
 * those connections fail after its {@code socketTimeout}, and since nothing has answered for longer
 * than its standby time ({@code bulk.worker.standby-after}, {@code bulk.audit.standby-after}) it stops
 * its listener: the other members of its group take its partitions over and finish the work, every
 * change applied and logged exactly once, while it is still cut off. Once the network is back it joins
 * its group again. Without the timeout a listener thread would wait for its answer forever; without
 * standing aside the process would keep its partitions, and their records would wait for its network.
 * One test cuts off one of three bulk-workers, the other one of three audit-consumers.
 */
class SilentDatabaseSystemTests {

    private static final int ACCOUNTS = 60;

    private static final int USERS = 50;

    private static final Duration PATIENCE = Duration.ofSeconds(120);

    /** Waits until the process's consumers own some of the group's partitions. */
    private static void awaitOwnsPartitions(FaultStack stack, String group, ServiceProcess process) {
        await().atMost(PATIENCE)
                .pollInterval(Duration.ofMillis(200))
                .alias(process.name() + " owns partitions of " + group)
                .until(() -> ConsumerGroups.owners(stack.admin(), group).containsKey(process.name()));
    }

    private static Duration since(long nanos) {
        return Duration.ofNanos(System.nanoTime() - nanos);
    }

    @Test
    void aWorkerCutOffFromItsDatabaseMidJobLeavesItsPartitionsToTheOthersAndComesBackWithTheNetwork() throws Exception {
        FaultStack stack = FaultStack.get();
        PipelineInvariants invariants = stack.invariants();
        try (SilentProxy proxy = SilentProxy.to(stack.postgresPort())) {
            ServiceProcess worker = stack.startWorkerThrough("fault-worker-silent", proxy.port());
            try {
                worker.awaitReady(ServiceProcesses.STARTUP);
                awaitOwnsPartitions(stack, stack.topics().workerGroup(), worker);
                FaultStack.RoleJob job = stack.submitRoleJob(ACCOUNTS, USERS);
                await().atMost(PATIENCE)
                        .pollInterval(Duration.ofMillis(10))
                        .until(() -> invariants.finished(job.id()) >= job.tasks() / 10
                                && stack.sessions(worker).stream()
                                        .anyMatch(session -> session.state().equals("active")));

                int finishedAtSilence = invariants.finished(job.id());
                proxy.silence();
                long silencedAt = System.nanoTime();
                invariants.awaitTerminal(job.id(), PATIENCE);
                Duration done = since(silencedAt);
                invariants.awaitOneActivityEntryPerAppliedChange(job.id(), PATIENCE);
                Map<String, Integer> ownersWhileSilent =
                        ConsumerGroups.owners(stack.admin(), stack.topics().workerGroup());
                PipelineInvariants.Outcome outcome = invariants.outcome(job.id());
                proxy.restore();
                long restoredAt = System.nanoTime();
                awaitOwnsPartitions(stack, stack.topics().workerGroup(), worker);
                Duration back = since(restoredAt);
                System.out.printf(
                        "Silent database: %d/%d tasks finished when one worker's network went silent; the others"
                                + " completed the job %d ms after, while it was still cut off (owners then %s);"
                                + " it owned partitions again %d ms after the network was back; lost %d; doubled"
                                + " %d%n",
                        finishedAtSilence,
                        job.tasks(),
                        done.toMillis(),
                        ownersWhileSilent,
                        back.toMillis(),
                        outcome.lost(),
                        outcome.doubled());

                assertThat(finishedAtSilence)
                        .as("the silence starts in the middle of the job")
                        .isLessThan(job.tasks());
                job.assertAppliedExactlyOnce(stack, PATIENCE);
                assertThat(ownersWhileSilent)
                        .as("the cut-off worker left its partitions to the others")
                        .doesNotContainKey(worker.name());
                assertThat(worker.alive()).as("the worker lived through it").isTrue();
                worker.awaitReady(PATIENCE);
            } finally {
                worker.stop();
            }
        }
    }

    @Test
    void anAuditConsumerCutOffFromItsDatabaseMidJobLeavesItsPartitionsToTheOthersAndComesBackWithTheNetwork()
            throws Exception {
        FaultStack stack = FaultStack.get();
        PipelineInvariants invariants = stack.invariants();
        String group = stack.topics().auditGroup();
        try (SilentProxy proxy = SilentProxy.to(stack.postgresPort())) {
            ServiceProcess audit = stack.startAuditThrough("fault-audit-silent", proxy.port());
            try {
                audit.awaitReady(ServiceProcesses.STARTUP);
                awaitOwnsPartitions(stack, group, audit);
                FaultStack.RoleJob job = stack.submitRoleJob(ACCOUNTS, USERS);
                await().atMost(PATIENCE)
                        .pollInterval(Duration.ofMillis(10))
                        .until(() -> invariants.activityEntries(job.id()) >= job.tasks() / 10);

                long loggedAtSilence = invariants.activityEntries(job.id());
                proxy.silence();
                long silencedAt = System.nanoTime();
                invariants.awaitTerminal(job.id(), PATIENCE);
                invariants.awaitOneActivityEntryPerAppliedChange(job.id(), PATIENCE);
                Duration logged = since(silencedAt);
                Map<String, Integer> ownersWhileSilent = ConsumerGroups.owners(stack.admin(), group);
                proxy.restore();
                long restoredAt = System.nanoTime();
                awaitOwnsPartitions(stack, group, audit);
                Duration back = since(restoredAt);
                System.out.printf(
                        "Silent database: %d/%d activity entries written when one audit-consumer's network went"
                                + " silent; the others wrote the rest %d ms after, while it was still cut off"
                                + " (owners then %s); it owned partitions again %d ms after the network was back%n",
                        loggedAtSilence, job.tasks(), logged.toMillis(), ownersWhileSilent, back.toMillis());

                assertThat(loggedAtSilence)
                        .as("the silence starts in the middle of the job's entries")
                        .isLessThan(job.tasks());
                job.assertAppliedExactlyOnce(stack, PATIENCE);
                assertThat(ownersWhileSilent)
                        .as("the cut-off audit-consumer left its partitions to the others")
                        .doesNotContainKey(audit.name());
                assertThat(audit.alive())
                        .as("the audit-consumer lived through it")
                        .isTrue();
                audit.awaitReady(PATIENCE);
            } finally {
                audit.stop();
            }
        }
    }
}
