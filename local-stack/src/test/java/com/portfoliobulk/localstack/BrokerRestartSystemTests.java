package com.portfoliobulk.localstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The Kafka broker, a process of its own, is killed ({@code kill -9}) in the middle of a job run by
 * the gateway, worker and audit-consumer processes ({@link FaultStack}), stays down for a dozen
 * seconds, during which another job is submitted, and starts again on its log directory. No process
 * dies meanwhile, both jobs complete, and every change is applied and logged exactly once.
 */
class BrokerRestartSystemTests {

    private static final int ACCOUNTS = 60;

    private static final int USERS = 50;

    /** Analysts of the job submitted while the broker is down. */
    private static final int LATE_USERS = 10;

    private static final Duration DOWN = Duration.ofSeconds(12);

    private static final Duration PATIENCE = Duration.ofSeconds(120);

    @Test
    void aBrokerKilledMidJobAndStartedAgainDelaysTheJobsButLosesAndDoublesNothing() {
        FaultStack stack = FaultStack.get();
        PipelineInvariants invariants = stack.invariants();
        KafkaBrokerProcess broker = stack.broker();
        List<ServiceProcess> running =
                stack.processes().all().stream().filter(ServiceProcess::alive).toList();
        FaultStack.RoleJob job = stack.submitRoleJobAndAwaitATenth(ACCOUNTS, USERS, PATIENCE);

        int finishedAtKill = invariants.finished(job.id());
        broker.kill9();
        long killedAt = System.nanoTime();
        // The gateway takes a job while the broker is down: its relay sends the tasks once it is back.
        FaultStack.RoleJob late = stack.submitRoleJob(ACCOUNTS, LATE_USERS);
        Duration leftDown = DOWN.minus(Duration.ofNanos(System.nanoTime() - killedAt));
        if (!leftDown.isNegative()) {
            await().during(leftDown)
                    .atMost(leftDown.plusSeconds(10))
                    .pollInterval(Duration.ofMillis(500))
                    .until(() -> running.stream().allMatch(ServiceProcess::alive));
        }
        long activityAtRestart = invariants.activityEntries(job.id()) + invariants.activityEntries(late.id());
        broker.restart();
        long restartedAt = System.nanoTime();
        Duration down = Duration.ofNanos(restartedAt - killedAt);
        broker.awaitReady(KafkaBrokerProcess.STARTUP);
        Duration brokerUp = since(restartedAt);
        await().atMost(PATIENCE)
                .pollInterval(Duration.ofMillis(100))
                .until(() -> invariants.activityEntries(job.id()) + invariants.activityEntries(late.id())
                        > activityAtRestart);
        Duration resumed = since(restartedAt);
        for (FaultStack.RoleJob each : List.of(job, late)) {
            invariants.awaitTerminal(each.id(), PATIENCE);
            invariants.awaitOneActivityEntryPerAppliedChange(each.id(), PATIENCE);
        }
        Duration done = since(restartedAt);
        PipelineInvariants.Outcome first = invariants.outcome(job.id());
        PipelineInvariants.Outcome second = invariants.outcome(late.id());
        System.out.printf(
                "Broker restart: killed at %d/%d tasks, down %d ms (a %d-task job submitted meanwhile); broker"
                        + " answering %d ms after the restart; activity flowing again after %d ms (stall %d ms"
                        + " from the kill); both jobs done and logged %d ms after the restart; lost %d; doubled %d%n",
                finishedAtKill,
                job.tasks(),
                down.toMillis(),
                late.tasks(),
                brokerUp.toMillis(),
                resumed.toMillis(),
                down.plus(resumed).toMillis(),
                done.toMillis(),
                first.lost() + second.lost(),
                first.doubled() + second.doubled());

        assertThat(finishedAtKill).as("the kill lands in the middle of the job").isLessThan(job.tasks());
        job.assertAppliedExactlyOnce(stack, PATIENCE);
        late.assertAppliedExactlyOnce(stack, PATIENCE);
        assertThat(running)
                .as("no process died")
                .allSatisfy(process -> assertThat(process.alive()).isTrue());
        stack.processes().awaitReady(PATIENCE);
    }

    private static Duration since(long nanos) {
        return Duration.ofNanos(System.nanoTime() - nanos);
    }
}
