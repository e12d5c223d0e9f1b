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
    void marksPublishedPendingTasksUnpublishedAndLeavesTheRest() {
        SharedInfrastructure.migrate(new com.portfoliobulk.testsupport.DatabaseEndpoint(
                database.jdbcUrl(), database.username(), database.password()));
        JdbcClient jdbc = jdbc(database);
        UUID job = UUID.randomUUID();
        jdbc.sql("""
                        INSERT INTO jobs.bulk_jobs (id, portfolio_id, type, status, requested_by_user_id,
                            requested_by_email, total, pending, succeeded)
                        VALUES (?, ?, 'REMOVE_ACCESS', 'IN_PROGRESS', ?, 'admin@demo.example', 4, 3, 1)""").params(job, UUID.randomUUID(), UUID.randomUUID()).update();
        UUID publishedPending = task(jdbc, job, "PENDING", true);
        UUID unpublishedPending = task(jdbc, job, "PENDING", false);
        UUID applied = task(jdbc, job, "SUCCEEDED", true);
        UUID anotherPublishedPending = task(jdbc, job, "PENDING", true);

        int republished = new PendingTaskRecovery(database).republishPendingTasks();

        assertThat(republished).isEqualTo(2);
        assertThat(published(jdbc, publishedPending)).isFalse();
        assertThat(published(jdbc, anotherPublishedPending)).isFalse();
        assertThat(published(jdbc, unpublishedPending)).isFalse();
        assertThat(published(jdbc, applied))
                .as("an applied task is not sent again")
                .isTrue();
    }

    @Test
    void doesNothingBeforeTheJobsSchemaExists() {
        assertThat(new PendingTaskRecovery(database).republishPendingTasks()).isZero();
    }

    private static UUID task(JdbcClient jdbc, UUID job, String status, boolean published) {
        UUID id = UUID.randomUUID();
        jdbc.sql("""
                        INSERT INTO jobs.bulk_tasks (id, job_id, portfolio_id, account_id, user_id, action, status,
                            published_at)
                        VALUES (?, ?, ?, ?, ?, 'REMOVE', ?, CASE WHEN ? THEN now() END)""")
                .params(id, job, UUID.randomUUID(), UUID.randomUUID(), UUID.randomUUID(), status, published)
                .update();
        return id;
    }

    private static boolean published(JdbcClient jdbc, UUID task) {
        return jdbc.sql("SELECT published_at IS NOT NULL FROM jobs.bulk_tasks WHERE id = ?")
                .param(task)
                .query(Boolean.class)
                .single();
    }

    private static JdbcClient jdbc(DatabaseEndpoint endpoint) {
        return JdbcClient.create(
                new DriverManagerDataSource(endpoint.jdbcUrl(), endpoint.username(), endpoint.password()));
    }
}
