package com.portfoliobulk.gateway.support;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Records task outcomes the way the bulk-worker does (its side of the shared decisions): in one
 * transaction a conditional update of the task ({@code status = 'PENDING'}), then the job's
 * counters, status and version, locking the task row before the job row. Lets the gateway's tests
 * move jobs along without running the worker.
 */
public final class WorkerSimulation {

    private final JdbcClient jdbc;

    private final TransactionTemplate transaction;

    public WorkerSimulation(JdbcClient jdbc, PlatformTransactionManager transactions) {
        this.jdbc = jdbc;
        this.transaction = new TransactionTemplate(transactions);
    }

    /** Records the outcome of a task; {@code false} when it was not pending any more. */
    public boolean apply(UUID taskId, String status, String reason, String previousRole) {
        Boolean applied = transaction.execute(tx -> {
            List<UUID> jobIds = jdbc.sql("""
                            UPDATE jobs.bulk_tasks
                            SET status = :status, reason = :reason, previous_role = :previousRole,
                                attempts = attempts + 1, applied_at = now()
                            WHERE id = :id AND status = 'PENDING'
                            RETURNING job_id
                            """)
                    .param("id", taskId)
                    .param("status", status)
                    .param("reason", reason)
                    .param("previousRole", previousRole)
                    .query(UUID.class)
                    .list();
            if (jobIds.isEmpty()) {
                return false;
            }
            String counter = switch (status) {
                case "SUCCEEDED" -> "succeeded";
                case "SKIPPED" -> "skipped";
                case "FAILED" -> "failed";
                default -> throw new IllegalArgumentException(status);
            };
            int failed = status.equals("FAILED") ? 1 : 0;
            jdbc.sql("""
                            UPDATE jobs.bulk_jobs
                            SET pending = pending - 1, %1$s = %1$s + 1,
                                started_at = coalesce(started_at, clock_timestamp()),
                                status = CASE
                                    WHEN status = 'CANCELLED' THEN status
                                    WHEN pending = 1 AND failed + :failed > 0 THEN 'COMPLETED_WITH_ERRORS'
                                    WHEN pending = 1 THEN 'COMPLETED'
                                    ELSE 'IN_PROGRESS' END,
                                completed_at = CASE WHEN pending = 1 THEN coalesce(completed_at, now()) ELSE completed_at END,
                                version = version + 1
                            WHERE id = :jobId
                            """.formatted(counter))
                    .param("jobId", jobIds.getFirst())
                    .param("failed", failed)
                    .update();
            return true;
        });
        return Boolean.TRUE.equals(applied);
    }

    /**
     * Applies a batch of tasks of one job as succeeded the way the worker's batches do: the task rows
     * locked in id order in one statement, the pending ones updated, then the job's counters. The
     * locks are held for {@code applying} (in the database) as while the worker changes the directory.
     *
     * @return how many of the tasks were still pending and are now applied
     */
    public int applyBatch(UUID jobId, List<UUID> taskIds, Duration applying) {
        Integer applied = transaction.execute(tx -> {
            List<UUID> pending = jdbc.sql("""
                            SELECT id FROM jobs.bulk_tasks WHERE id = ANY(:ids) AND status = 'PENDING'
                            ORDER BY id FOR UPDATE
                            """)
                    .param("ids", taskIds.toArray(UUID[]::new))
                    .query(UUID.class)
                    .list();
            if (pending.isEmpty()) {
                return 0;
            }
            jdbc.sql("SELECT pg_sleep(:seconds)")
                    .param("seconds", applying.toMillis() / 1000.0)
                    .query()
                    .singleValue();
            int updated =
                    jdbc.sql("""
                            UPDATE jobs.bulk_tasks
                            SET status = 'SUCCEEDED', previous_role = 'ANALYST', attempts = attempts + 1,
                                applied_at = now()
                            WHERE id = ANY(:ids) AND status = 'PENDING'
                            """).param("ids", pending.toArray(UUID[]::new)).update();
            jdbc.sql("""
                            UPDATE jobs.bulk_jobs
                            SET pending = pending - :n, succeeded = succeeded + :n,
                                started_at = coalesce(started_at, clock_timestamp()),
                                status = CASE
                                    WHEN status = 'CANCELLED' THEN status
                                    WHEN pending = :n AND failed > 0 THEN 'COMPLETED_WITH_ERRORS'
                                    WHEN pending = :n THEN 'COMPLETED'
                                    ELSE 'IN_PROGRESS' END,
                                completed_at = CASE WHEN pending = :n THEN coalesce(completed_at, now()) ELSE completed_at END,
                                version = version + 1
                            WHERE id = :jobId
                            """).param("jobId", jobId).param("n", updated).update();
            return updated;
        });
        return applied == null ? 0 : applied;
    }

    /** The job's task ids in task order. */
    public List<UUID> taskIds(UUID jobId) {
        return jdbc.sql("SELECT id FROM jobs.bulk_tasks WHERE job_id = :jobId ORDER BY seq")
                .param("jobId", jobId)
                .query(UUID.class)
                .list();
    }

    /** Applies every pending task of the job as succeeded. */
    public void completeAll(UUID jobId) {
        taskIds(jobId).forEach(task -> apply(task, "SUCCEEDED", null, "ANALYST"));
    }
}
