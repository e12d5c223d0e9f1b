package com.portfoliobulk.localstack;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.testsupport.SharedInfrastructure;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/**
 * Runs on a database of its own: marking tasks unpublished on the shared one would hand other tests'
 * tasks to their relays.
 */
class PendingTaskRecoveryIntegrationTests {

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

    private static JdbcClient jdbc(DatabaseEndpoint endpoint) {
        return JdbcClient.create(
                new DriverManagerDataSource(endpoint.jdbcUrl(), endpoint.username(), endpoint.password()));
    }
}
