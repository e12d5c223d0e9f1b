package com.portfoliobulk.gateway.retention;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.portfoliobulk.gateway.support.GatewayIntegrationTest;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Finished jobs and their tasks go after the retention period, in batches; what is younger or not
 * finished stays; expired idempotency keys go too, and dead letters re-driven or dismissed longer ago
 * than the retention period; the rows deleted are counted.
 */
class RetentionIntegrationTests extends GatewayIntegrationTest {

    private static final int BATCH = 10;

    private final UUID portfolio = UUID.randomUUID();

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

    @Test
    void deletesFinishedJobsPastRetentionWithTheirTasksInBatchesAndKeepsTheRest() {
        UUID expired = job("COMPLETED", "31 days", 25);
        UUID cancelledExpired = job("CANCELLED", "40 days", 3);
        UUID withErrorsExpired = job("COMPLETED_WITH_ERRORS", "30 days 1 hour", 0);
        UUID young = job("COMPLETED", "29 days", 4);
        UUID unfinished = job("IN_PROGRESS", null, 5);
        String oldKey = key(expired, "25 hours");
        String freshKey = key(young, "1 hour");

        Retention.Deleted deleted = retention().run();

        assertThat(jobExists(expired)).isFalse();
        assertThat(jobExists(cancelledExpired)).isFalse();
        assertThat(jobExists(withErrorsExpired)).isFalse();
        assertThat(tasks(expired) + tasks(cancelledExpired)).isZero();
        assertThat(jobExists(young)).isTrue();
        assertThat(tasks(young)).isEqualTo(4);
        assertThat(jobExists(unfinished)).isTrue();
        assertThat(tasks(unfinished)).isEqualTo(5);
        assertThat(keyExists(oldKey)).isFalse();
        assertThat(keyExists(freshKey)).isTrue();
        // Other tests' rows share the database: at least ours were deleted, and the counts add up.
        assertThat(deleted.jobs()).isGreaterThanOrEqualTo(3);
        assertThat(deleted.tasks()).isGreaterThanOrEqualTo(28);
        assertThat(deleted.idempotencyKeys()).isGreaterThanOrEqualTo(1);
        assertThat(deletedRows("bulk_jobs")).isEqualTo(deleted.jobs());
        assertThat(deletedRows("bulk_tasks")).isEqualTo(deleted.tasks());
        assertThat(deletedRows("idempotency_keys")).isEqualTo(deleted.idempotencyKeys());

        assertThat(retention().run().total()).as("nothing left to delete").isZero();
    }

    /**
     * A run stopped between two batches (the gateway shutting down interrupts it; an error stops it
     * the same way) leaves no job with part of its tasks: each expired job is there with all of them,
     * as its status, task list, CSV and SCIM's reading of its offboarding show it, or gone. The next run
     * deletes the rest, and each row deleted is counted once.
     */
    @Test
    void aRunStoppedAfterItsFirstBatchOfTasksLeavesEachExpiredJobWholeOrGone() {
        retention().run();
        double jobsBefore = deletedRows("bulk_jobs");
        double tasksBefore = deletedRows("bulk_tasks");
        Map<UUID, Integer> expired = Map.of(
                job("COMPLETED", "40 days", 25),
                25,
                job("COMPLETED_WITH_ERRORS", "35 days", 3),
                3,
                job("CANCELLED", "31 days", 12),
                12);
        Retention stopping = retention(Duration.ofMillis(1));

        Thread.currentThread().interrupt();
        try {
            assertThatThrownBy(stopping::run).hasMessageContaining("Interrupted between retention batches");
        } finally {
            Thread.interrupted();
        }

        assertThat(deletedRows("bulk_tasks") - tasksBefore)
                .as("stopped after a full batch of tasks, before the last")
                .isGreaterThanOrEqualTo(BATCH)
                .isLessThan(40);
        expired.forEach((job, tasks) -> assertThat(!jobExists(job) || tasks(job) == tasks)
                .as("job %s is whole (%d tasks) or gone; it has %d", job, tasks, tasks(job))
                .isTrue());

        retention().run();

        expired.forEach((job, tasks) -> {
            assertThat(jobExists(job)).isFalse();
            assertThat(tasks(job)).isZero();
        });
        assertThat(deletedRows("bulk_jobs") - jobsBefore).isEqualTo(3);
        assertThat(deletedRows("bulk_tasks") - tasksBefore).isEqualTo(40);
    }

    @Test
    void deletesDeadLettersReDrivenPastRetentionAndKeepsTheOnesNotReDriven() {
        UUID redrivenLongAgo = deadLetter("40 days", "31 days");
        UUID redrivenYesterday = deadLetter("40 days", "1 day");
        UUID neverRedriven = deadLetter("90 days", null);

        Retention.Deleted deleted = retention().run();

        assertThat(deadLetterExists(redrivenLongAgo)).isFalse();
        assertThat(deadLetterExists(redrivenYesterday)).isTrue();
        assertThat(deadLetterExists(neverRedriven))
                .as("a dead letter no operator acted on is kept")
                .isTrue();
        // Other tests' rows share the database: at least ours was deleted, and the count adds up.
        assertThat(deleted.deadLetters()).isGreaterThanOrEqualTo(1);
        assertThat(deletedRows("task_dead_letters")).isEqualTo(deleted.deadLetters());

        assertThat(retention().run().deadLetters()).as("nothing left to delete").isZero();
    }

    /**
     * A dead letter an operator dismissed (its cause is one no fix removes, such as a record the gateway
     * did not write) is done with as a re-driven one is: deleted once dismissed longer ago than the
     * retention period. Only re-driven ones were deleted: a dismissed one, as any other, was kept for
     * ever.
     */
    @Test
    void deletesDeadLettersDismissedPastRetentionAndKeepsTheOpenOnes() {
        UUID dismissedLongAgo = deadLetter("40 days", null, "31 days");
        UUID dismissedYesterday = deadLetter("40 days", null, "1 day");
        UUID open = deadLetter("90 days", null, null);

        Retention.Deleted deleted = retention().run();

        assertThat(deadLetterExists(dismissedLongAgo)).isFalse();
        assertThat(deadLetterExists(dismissedYesterday)).isTrue();
        assertThat(deadLetterExists(open))
                .as("neither re-driven nor dismissed: kept")
                .isTrue();
        assertThat(deleted.deadLetters()).isGreaterThanOrEqualTo(1);
        assertThat(retention().run().deadLetters()).as("nothing left to delete").isZero();
    }

    @Test
    void theRowsDeletedAreAMetricOfTheGateway() {
        String metrics = metrics();

        assertThat(metrics)
                .contains("bulk_retention_deleted_rows_total{application=\"api-gateway\",table=\"bulk_jobs\"}")
                .contains("bulk_retention_deleted_rows_total{application=\"api-gateway\",table=\"bulk_tasks\"}")
                .contains("bulk_retention_deleted_rows_total{application=\"api-gateway\",table=\"idempotency_keys\"}")
                .contains("bulk_retention_deleted_rows_total{application=\"api-gateway\",table=\"task_dead_letters\"}");
    }

    private Retention retention() {
        return retention(Duration.ZERO);
    }

    /** A retention pausing {@code pause} between two batches. */
    private Retention retention(Duration pause) {
        return new Retention(
                jdbc,
                new RetentionProperties(Duration.ofDays(30), BATCH, pause, Duration.ofHours(1)),
                Duration.ofHours(24),
                meters);
    }

    private double deletedRows(String table) {
        return meters.get("bulk.retention.deleted.rows")
                .tag("table", table)
                .counter()
                .count();
    }

    private UUID job(String status, String finishedAgo, int taskCount) {
        UUID id = UUID.randomUUID();
        boolean finished = finishedAgo != null;
        jdbc.sql("""
                        INSERT INTO jobs.bulk_jobs (id, portfolio_id, type, status, requested_by_user_id,
                               requested_by_email, total, pending, succeeded, created_at, completed_at)
                        VALUES (:id, :portfolio, 'REMOVE_ACCESS', :status, :user, 'admin@agency.test', :total,
                                :pending, :succeeded, now() - interval '60 days',
                                CASE WHEN :finished THEN now() - CAST(:ago AS interval) END)
                        """)
                .param("id", id)
                .param("portfolio", portfolio)
                .param("status", status)
                .param("user", UUID.randomUUID())
                .param("total", taskCount)
                .param("pending", finished ? 0 : taskCount)
                .param("succeeded", finished ? taskCount : 0)
                .param("finished", finished)
                .param("ago", finished ? finishedAgo : "0 seconds")
                .update();
        jdbc.sql("""
                        INSERT INTO jobs.bulk_tasks (id, job_id, portfolio_id, account_id, user_id, action, status)
                        SELECT gen_random_uuid(), :job, :portfolio, gen_random_uuid(), gen_random_uuid(), 'REMOVE',
                               CASE WHEN :finished THEN 'SUCCEEDED' ELSE 'PENDING' END
                          FROM generate_series(1, :count)
                        """)
                .param("job", id)
                .param("portfolio", portfolio)
                .param("finished", finished)
                .param("count", taskCount)
                .update();
        return id;
    }

    private String key(UUID jobId, String age) {
        String key = UUID.randomUUID().toString();
        jdbc.sql("""
                        INSERT INTO jobs.idempotency_keys (portfolio_id, key, request_hash, job_id, created_at)
                        VALUES (:portfolio, :key, 'hash', :job, now() - CAST(:age AS interval))
                        """)
                .param("portfolio", portfolio)
                .param("key", key)
                .param("job", jobId)
                .param("age", age)
                .update();
        return key;
    }

    /** A dead letter recorded {@code recordedAgo}, re-driven {@code redrivenAgo} (null: not re-driven). */
    private UUID deadLetter(String recordedAgo, String redrivenAgo) {
        return deadLetter(recordedAgo, redrivenAgo, null);
    }

    /**
     * A dead letter recorded {@code recordedAgo}, re-driven {@code redrivenAgo} (null: not re-driven),
     * dismissed {@code dismissedAgo} (null: not dismissed).
     */
    private UUID deadLetter(String recordedAgo, String redrivenAgo, String dismissedAgo) {
        UUID id = UUID.randomUUID();
        boolean redriven = redrivenAgo != null;
        boolean dismissed = dismissedAgo != null;
        jdbc.sql("""
                        INSERT INTO jobs.task_dead_letters (id, source_topic, source_partition, source_offset,
                               source_timestamp, record_key, record_value, task_id, reason, recorded_at, published_at,
                               redriven_at, redriven_by, redrive_reason, dismissed_at, dismissed_by, dismiss_reason)
                        VALUES (:id, 'portfolio.bulk-tasks', 0, :offset, 0, :key, :value, :task,
                                'IllegalStateException: no stored task', now() - CAST(:recorded AS interval),
                                now() - CAST(:recorded AS interval),
                                CASE WHEN :redriven THEN now() - CAST(:redrivenAgo AS interval) END,
                                CASE WHEN :redriven THEN 'jane@ops' END,
                                CASE WHEN :redriven THEN 'task rows restored' END,
                                CASE WHEN :dismissed THEN now() - CAST(:dismissedAgo AS interval) END,
                                CASE WHEN :dismissed THEN 'jane@ops' END,
                                CASE WHEN :dismissed THEN 'not the gateway''s record' END)
                        """)
                .param("id", id)
                // A position of its own: the source (topic, partition, offset, timestamp) is unique.
                .param("offset", id.getMostSignificantBits() & Long.MAX_VALUE)
                .param("key", portfolio.toString())
                .param("value", "{\"taskId\":\"unknown\"}".getBytes(StandardCharsets.UTF_8))
                .param("task", UUID.randomUUID())
                .param("recorded", recordedAgo)
                .param("redriven", redriven)
                .param("redrivenAgo", redriven ? redrivenAgo : "0 seconds")
                .param("dismissed", dismissed)
                .param("dismissedAgo", dismissed ? dismissedAgo : "0 seconds")
                .update();
        return id;
    }

    private boolean deadLetterExists(UUID id) {
        return jdbc.sql("SELECT count(*) FROM jobs.task_dead_letters WHERE id = :id")
                        .param("id", id)
                        .query(Integer.class)
                        .single()
                == 1;
    }

    private boolean jobExists(UUID id) {
        return jdbc.sql("SELECT count(*) FROM jobs.bulk_jobs WHERE id = :id")
                        .param("id", id)
                        .query(Integer.class)
                        .single()
                == 1;
    }

    private int tasks(UUID jobId) {
        return jdbc.sql("SELECT count(*) FROM jobs.bulk_tasks WHERE job_id = :id")
                .param("id", jobId)
                .query(Integer.class)
                .single();
    }

    private boolean keyExists(String key) {
        return jdbc.sql("SELECT count(*) FROM jobs.idempotency_keys WHERE key = :key")
                        .param("key", key)
                        .query(Integer.class)
                        .single()
                == 1;
    }
}
