package com.portfoliobulk.localstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two audit-consumers run as separate processes ({@link FaultStack}); one is frozen ({@code kill -STOP})
 * in the middle of a transaction that wrote part of a job's activity entries and has not committed. As
 * a frozen VM or container, it keeps its connection open and its uncommitted entries' event ids
 * locked, and the other audit-consumer, given its partitions once the group evicted it, writes the same
 * events again and waits for those locks. PostgreSQL ends the frozen session after the
 * idle-in-transaction timeout, and the other audit-consumer writes every entry while the first is still
 * frozen; woken up, it rejoins the group, and the activity log holds exactly one entry per applied
 * change.
 */
class AuditConsumerFailoverSystemTests {

    private static final Duration PATIENCE = Duration.ofSeconds(120);

    private static FaultStack stack;

    @BeforeAll
    static void startProcesses() {
        stack = FaultStack.get();
    }

    @Test
    void anAuditConsumerFrozenInTheMiddleOfATransactionHoldsItsEntriesNoLongerThanTheIdleInTransactionTimeout()
            throws Exception {
        List<ServiceProcess> audits = stack.processes().of(ServiceProcesses.Service.AUDIT);
        awaitOwners(audits);
        PipelineInvariants invariants = stack.invariants();
        FaultStack.RoleJob job = stack.submitRoleJob(40, 50);

        ServiceProcess victim;
        long frozenAt;
        Duration frozenToWritten;
        try {
            try (Connection blocker = invariants.dataSource().getConnection()) {
                // An uncommitted entry for the job's last task: the audit-consumer that writes that task's
                // event waits for it, inside a transaction that holds the entries it wrote before.
                blocker.setAutoCommit(false);
                int blockerPid = DatabaseSession.backendPid(blocker);
                holdEntryOfLastTask(blocker, job.id());
                victim = await().atMost(PATIENCE)
                        .pollInterval(Duration.ofMillis(20))
                        .until(() -> frozenWhileWaitingFor(blockerPid, audits), Optional::isPresent)
                        .orElseThrow();
                frozenAt = System.nanoTime();
                blocker.rollback();
            }
            // The victim's statement ends and its session stands in the transaction, for a process that no
            // longer runs: the other audit-consumer's writes of the same events wait for it.
            await().atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(50))
                    .untilAsserted(() -> assertThat(stack.sessions(victim))
                            .as("the frozen %s's sessions", victim.name())
                            .anyMatch(DatabaseSession::idleInTransaction));
            assertThat(invariants.awaitTerminal(job.id(), PATIENCE)).isEqualTo("COMPLETED");
            invariants.awaitOneActivityEntryPerAppliedChange(job.id(), PATIENCE);
            frozenToWritten = Duration.ofNanos(System.nanoTime() - frozenAt);
            assertThat(victim.frozen())
                    .as("every entry was written while the victim was still frozen")
                    .isTrue();
            assertThat(stack.sessions(victim))
                    .as("PostgreSQL ended the frozen audit-consumer's transaction")
                    .noneMatch(DatabaseSession::idleInTransaction);
        } finally {
            stack.processes().of(ServiceProcesses.Service.AUDIT).forEach(ServiceProcess::thaw);
        }
        long thawed = System.nanoTime();
        awaitOwners(audits);
        Duration thawToRejoined = Duration.ofNanos(System.nanoTime() - thawed);
        PipelineInvariants.Outcome outcome = invariants.outcome(job.id());
        System.out.printf(
                "Frozen audit-consumer: %s frozen with its transaction open; all %d entries written %d ms after the"
                        + " freeze; rejoined %d ms after being woken; lost %d; doubled %d%n",
                victim.name(),
                job.tasks(),
                frozenToWritten.toMillis(),
                thawToRejoined.toMillis(),
                outcome.lost(),
                outcome.doubled());

        assertThat(frozenToWritten)
                .as("the entries wait for the frozen transaction no longer than its idle-in-transaction timeout")
                .isLessThan(FaultStack.IDLE_IN_TRANSACTION_TIMEOUT.plus(Duration.ofSeconds(30)));
        job.assertAppliedExactlyOnce(stack, PATIENCE);
    }

    /**
     * Writes, without committing, an activity entry with the event id of the job's last task (an
     * applied task's event id is its task id), before the workers apply it.
     */
    private static void holdEntryOfLastTask(Connection blocker, UUID job) throws SQLException {
        try (PreparedStatement hold = blocker.prepareStatement("""
                INSERT INTO audit.activity_log (entry_id, event_id, account_id, occurred_at, action, initiated_from,
                                                actor_user_id, actor_email, portfolio_id, job_id, task_id, summary)
                SELECT gen_random_uuid(), t.id, t.account_id, now(), 'ROLE_CHANGED', 'PORTFOLIO',
                       gen_random_uuid(), 'blocker@agency.example', t.portfolio_id, t.job_id, t.id, 'held by the test'
                  FROM jobs.bulk_tasks t
                 WHERE t.job_id = ? AND t.status = 'PENDING'
                 ORDER BY t.seq DESC
                 LIMIT 1
                """)) {
            hold.setObject(1, job);
            assertThat(hold.executeUpdate())
                    .as("the job's last task is still pending")
                    .isEqualTo(1);
        }
    }

    /**
     * The audit-consumer one of whose statements waits for the blocker's entry, frozen while it still
     * waits, if any.
     */
    private static Optional<ServiceProcess> frozenWhileWaitingFor(int blockerPid, List<ServiceProcess> audits)
            throws SQLException {
        for (ServiceProcess audit : audits) {
            if (stack.freezeWhileWaitingBehind(audit, blockerPid)) {
                return Optional.of(audit);
            }
        }
        return Optional.empty();
    }

    private static void awaitOwners(List<ServiceProcess> audits) {
        await().atMost(PATIENCE)
                .pollInterval(Duration.ofMillis(200))
                .untilAsserted(() -> assertThat(ConsumerGroups.owners(
                                stack.admin(), stack.topics().auditGroup()))
                        .as("both audit-consumer processes share the activity partitions")
                        .containsOnlyKeys(
                                audits.stream().map(ServiceProcess::name).toList()));
    }
}
