package com.portfoliobulk.localstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The network between one bulk-worker process and PostgreSQL goes silent for 20 seconds in the middle
 * of a job ({@link SilentProxy}): no answer, no closed connection, as when the database's host is lost
 * or a failover moves its address. The worker's statements waiting on those connections fail after
 * its {@code socketTimeout} (the default of {@code bulk-worker.yml}), their batches are delivered
 * again, and once the network is back the worker takes new connections and the job completes, every
 * change applied and logged exactly once. Without the timeout a listener thread waits for its answer
 * forever, and the tasks of its partitions with it.
 */
class SilentDatabaseSystemTests {

    private static final int ACCOUNTS = 60;

    private static final int USERS = 50;

    private static final Duration SILENCE = Duration.ofSeconds(20);

    private static final Duration PATIENCE = Duration.ofSeconds(120);

    @Test
    void aWorkerWhoseDatabaseGoesSilentMidJobGivesUpThoseConnectionsAndTheJobCompletesOnce() throws Exception {
        FaultStack stack = FaultStack.get();
        PipelineInvariants invariants = stack.invariants();
        try (SilentProxy proxy = SilentProxy.to(stack.postgresPort())) {
            ServiceProcess worker = stack.startWorkerThrough("fault-worker-silent", proxy.port());
            try {
                worker.awaitReady(ServiceProcesses.STARTUP);
                await().atMost(PATIENCE)
                        .pollInterval(Duration.ofMillis(200))
                        .alias("the third worker owns partitions")
                        .until(() -> ConsumerGroups.owners(
                                        stack.admin(), stack.topics().workerGroup())
                                .containsKey(worker.name()));
                FaultStack.RoleJob job = stack.submitRoleJob(ACCOUNTS, USERS);
                await().atMost(PATIENCE)
                        .pollInterval(Duration.ofMillis(10))
                        .until(() -> invariants.finished(job.id()) >= job.tasks() / 10
                                && stack.sessions(worker).stream()
                                        .anyMatch(session -> session.state().equals("active")));

                int finishedAtSilence = invariants.finished(job.id());
                proxy.silence();
                long silencedAt = System.nanoTime();
                await().pollDelay(SILENCE).atMost(SILENCE.plusSeconds(5)).until(() -> true);
                proxy.restore();
                long restoredAt = System.nanoTime();
                invariants.awaitTerminal(job.id(), PATIENCE);
                Duration done = Duration.ofNanos(System.nanoTime() - restoredAt);
                invariants.awaitOneActivityEntryPerAppliedChange(job.id(), PATIENCE);
                PipelineInvariants.Outcome outcome = invariants.outcome(job.id());
                System.out.printf(
                        "Silent database: %d/%d tasks finished when the worker's network went silent for %d ms;"
                                + " job done %d ms after it was back (%d ms after the silence began); lost %d;"
                                + " doubled %d%n",
                        finishedAtSilence,
                        job.tasks(),
                        Duration.ofNanos(restoredAt - silencedAt).toMillis(),
                        done.toMillis(),
                        Duration.ofNanos(System.nanoTime() - silencedAt).toMillis(),
                        outcome.lost(),
                        outcome.doubled());

                assertThat(finishedAtSilence)
                        .as("the silence starts in the middle of the job")
                        .isLessThan(job.tasks());
                job.assertAppliedExactlyOnce(stack, PATIENCE);
                assertThat(worker.alive()).as("the worker lived through it").isTrue();
                worker.awaitReady(PATIENCE);
            } finally {
                worker.stop();
            }
        }
    }
}
