package com.portfoliobulk.localstack;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.testsupport.SharedInfrastructure;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/**
 * bulk-schema's {@code db/resend-pending-tasks.sql} as the local stack runs it when its broker starts
 * empty. Runs on a database of its own: marking tasks unpublished on the shared one would hand other
 * tests' tasks to their relays.
 */
class PendingTaskRecoveryIntegrationTests {

    /** The portfolio of the jobs {@link #job} stores: the held-back rule compares tasks of one portfolio. */
    private static final UUID PORTFOLIO = UUID.randomUUID();

    private final DatabaseEndpoint server = TestStack.sharedDatabase();

    private final String name = "recovery_" + UUID.randomUUID().toString().replace("-", "");

    private final DatabaseEndpoint database = new DatabaseEndpoint(
            server.jdbcUrl().replaceFirst("/[^/?]+(\\?|$)", "/" + name + "$1"), server.username(), server.password());

    private final JdbcClient admin = jdbc(server);

    PendingTaskRecoveryIntegrationTests() {
        admin.sql("CREATE DATABASE " + name).update();
    }

    @AfterEach
    void dropDatabase() {
        admin.sql("DROP DATABASE " + name + " WITH (FORCE)").update();
    }

    @Test
    void queuesTheSentPendingTasksAndLeavesTheRest() {
        SharedInfrastructure.migrate(new com.portfoliobulk.testsupport.DatabaseEndpoint(
                database.jdbcUrl(), database.username(), database.password()));
        JdbcClient jdbc = jdbc(database);
        UUID job = UUID.randomUUID();
        jdbc.sql("""
                        INSERT INTO jobs.bulk_jobs (id, portfolio_id, type, status, requested_by_user_id,
                            requested_by_email, total, pending, succeeded)
                        VALUES (?, ?, 'REMOVE_ACCESS', 'IN_PROGRESS', ?, 'admin@demo.example', 4, 3, 1)""").params(job, UUID.randomUUID(), UUID.randomUUID()).update();
        UUID sentPending = task(jdbc, job, "PENDING");
        task(jdbc, job, "SUCCEEDED");
        UUID anotherSentPending = task(jdbc, job, "PENDING");
        task(jdbc, job, "PENDING");
        // The relay sent the job up to its third task.
        jdbc.sql("UPDATE jobs.bulk_jobs SET relayed_seq = (SELECT seq FROM jobs.bulk_tasks WHERE id = ?) WHERE id = ?")
                .params(anotherSentPending, job)
                .update();

        int republished = new PendingTaskRecovery(ServiceRoles.apply(database).gateway()).republishPendingTasks();

        assertThat(republished).isEqualTo(2);
        assertThat(jdbc.sql("SELECT task_id FROM jobs.task_republications ORDER BY seq")
                        .query(UUID.class)
                        .list())
                .as("not the applied task, nor the one the relay will send anyway")
                .containsExactly(sentPending, anotherSentPending);
    }

    /**
     * Order is kept as the gateways' stuck-task sweep keeps it: an invitation still pending whose account
     * already had the later removal of the same user applied is not sent again (applied now, it would give
     * the removed user access again); it stays pending for the BulkOldestPendingTaskTooOld runbook. An
     * invitation of another account is sent again, and so is one whose account's later task failed: that
     * one changed and decided nothing.
     */
    @Test
    void leavesPendingATaskWhoseAccountHadALaterTaskApplied() {
        SharedInfrastructure.migrate(new com.portfoliobulk.testsupport.DatabaseEndpoint(
                database.jdbcUrl(), database.username(), database.password()));
        JdbcClient jdbc = jdbc(database);
        UUID user = UUID.randomUUID();
        UUID account = UUID.randomUUID();
        UUID otherAccount = UUID.randomUUID();
        UUID failedAccount = UUID.randomUUID();
        UUID invitations = job(jdbc, "INVITE_USERS", "IN_PROGRESS", 3, 3, 0, 0);
        UUID heldBack = task(jdbc, invitations, account, user, "INVITE", "PENDING");
        UUID otherInvitation = task(jdbc, invitations, otherAccount, user, "INVITE", "PENDING");
        UUID failedAccountInvitation = task(jdbc, invitations, failedAccount, user, "INVITE", "PENDING");
        // The relay sent the whole invitation job; the later removal job was applied, all but one
        // removal, which failed.
        jdbc.sql("UPDATE jobs.bulk_jobs SET relayed_seq = (SELECT max(seq) FROM jobs.bulk_tasks WHERE job_id = ?)"
                        + " WHERE id = ?")
                .params(invitations, invitations)
                .update();
        UUID removals = job(jdbc, "REMOVE_ACCESS", "COMPLETED_WITH_ERRORS", 2, 0, 1, 1);
        task(jdbc, removals, account, user, "REMOVE", "SUCCEEDED");
        task(jdbc, removals, failedAccount, user, "REMOVE", "FAILED");

        int republished = new PendingTaskRecovery(ServiceRoles.apply(database).gateway()).republishPendingTasks();

        assertThat(republished).isEqualTo(2);
        assertThat(jdbc.sql("SELECT task_id FROM jobs.task_republications ORDER BY seq")
                        .query(UUID.class)
                        .list())
                .as("not the invitation whose account's later removal was applied")
                .containsExactly(otherInvitation, failedAccountInvitation);
        assertThat(jdbc.sql("SELECT status FROM jobs.bulk_tasks WHERE id = ?")
                        .param(heldBack)
                        .query(String.class)
                        .single())
                .isEqualTo("PENDING");
    }

    @Test
    void doesNothingBeforeTheJobsSchemaExists() {
        assertThat(new PendingTaskRecovery(ServiceRoles.apply(database).gateway()).republishPendingTasks())
                .isZero();
    }

    private static UUID task(JdbcClient jdbc, UUID job, String status) {
        UUID id = UUID.randomUUID();
        jdbc.sql("""
                        INSERT INTO jobs.bulk_tasks (id, job_id, portfolio_id, account_id, user_id, action, status)
                        VALUES (?, ?, ?, ?, ?, 'REMOVE', ?)""")
                .params(id, job, UUID.randomUUID(), UUID.randomUUID(), UUID.randomUUID(), status)
                .update();
        return id;
    }

    private static UUID job(
            JdbcClient jdbc, String type, String status, int total, int pending, int succeeded, int failed) {
        UUID id = UUID.randomUUID();
        jdbc.sql("""
                        INSERT INTO jobs.bulk_jobs (id, portfolio_id, type, status, requested_by_user_id,
                            requested_by_email, total, pending, succeeded, failed)
                        VALUES (?, ?, ?, ?, ?, 'admin@demo.example', ?, ?, ?, ?)""")
                .params(id, PORTFOLIO, type, status, UUID.randomUUID(), total, pending, succeeded, failed)
                .update();
        return id;
    }

    /** A task of {@code job}; one that ended was applied (or failed) now. */
    private static UUID task(JdbcClient jdbc, UUID job, UUID account, UUID user, String action, String status) {
        UUID id = UUID.randomUUID();
        jdbc.sql("""
                        INSERT INTO jobs.bulk_tasks (id, job_id, portfolio_id, account_id, user_id, action, status,
                            applied_at)
                        SELECT ?, j.id, j.portfolio_id, ?, ?, ?, ?, CASE WHEN ? THEN now() END
                          FROM jobs.bulk_jobs j WHERE j.id = ?""")
                .params(id, account, user, action, status, !status.equals("PENDING"), job)
                .update();
        return id;
    }

    private static JdbcClient jdbc(DatabaseEndpoint endpoint) {
        return JdbcClient.create(
                new DriverManagerDataSource(endpoint.jdbcUrl(), endpoint.username(), endpoint.password()));
    }
}
