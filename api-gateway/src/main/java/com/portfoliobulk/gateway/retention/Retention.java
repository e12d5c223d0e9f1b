package com.portfoliobulk.gateway.retention;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Deletes what is kept only for a while: finished jobs with their tasks once
 * {@code bulk.gateway.retention.finished-jobs} (30 days) have passed since they finished,
 * {@code Idempotency-Key}s past {@code bulk.gateway.jobs.idempotency-key-ttl}, and task dead letters
 * that same 30 days after they were re-driven. A re-driven dead letter is done with (it is re-driven at
 * most once), yet it keeps the whole record, up to the broker's size limit; once the tasks it names are
 * deleted it is of no use at all. A dead letter never re-driven is kept: no operator has acted on it
 * yet. The bulk-worker, which records dead letters, may not delete them; the gateway owns their table.
 *
 * <p>Deletion goes in bounded batches, each its own short transaction of at most
 * {@code batch-size} rows with a pause between batches, so that a 200,000-task job or a large
 * backlog never holds locks for long nor fills the write-ahead log at once. A job's tasks go before
 * the job (the task table has no foreign key to cascade), so no task is ever left without its job.
 * Rows being deleted by another gateway instance are skipped ({@code SKIP LOCKED}), so instances do
 * not wait for each other. Rows deleted count in {@code bulk_retention_deleted_rows_total{table}}.
 */
@Component
public class Retention {

    private static final Logger log = LoggerFactory.getLogger(Retention.class);

    /** Jobs whose tasks are deleted together, oldest first. */
    private static final int JOBS_PER_ROUND = 100;

    private final JdbcClient jdbc;

    private final RetentionProperties properties;

    private final Duration idempotencyKeyTtl;

    private final Counter deletedJobs;

    private final Counter deletedTasks;

    private final Counter deletedKeys;

    private final Counter deletedDeadLetters;

    Retention(
            JdbcClient jdbc,
            RetentionProperties properties,
            @Value("${bulk.gateway.jobs.idempotency-key-ttl:24h}") Duration idempotencyKeyTtl,
            MeterRegistry meters) {
        this.jdbc = jdbc;
        this.properties = properties;
        this.idempotencyKeyTtl = idempotencyKeyTtl;
        this.deletedJobs = counter(meters, "bulk_jobs");
        this.deletedTasks = counter(meters, "bulk_tasks");
        this.deletedKeys = counter(meters, "idempotency_keys");
        this.deletedDeadLetters = counter(meters, "task_dead_letters");
    }

    private static Counter counter(MeterRegistry meters, String table) {
        return Counter.builder("bulk.retention.deleted.rows")
                .description("Rows deleted because their retention period passed")
                .tag("table", table)
                .register(meters);
    }

    @Scheduled(
            initialDelayString = "${bulk.gateway.retention.initial-delay:1m}",
            fixedDelayString = "${bulk.gateway.retention.interval:1h}")
    void scheduled() {
        try {
            Deleted deleted = run();
            if (deleted.total() > 0) {
                log.info(
                        "Retention deleted {} finished jobs, {} tasks, {} idempotency keys and {} re-driven dead letters",
                        deleted.jobs(),
                        deleted.tasks(),
                        deleted.idempotencyKeys(),
                        deleted.deadLetters());
            }
        } catch (RuntimeException ex) {
            // The next run carries on where this one stopped: every batch that committed stays deleted.
            log.warn("Retention stopped early; it resumes on its next run", ex);
        }
    }

    /** Deletes everything past its retention now, batch by batch; answers how much. */
    public Deleted run() {
        long keys = inBatches(this::deleteIdempotencyKeys, deletedKeys);
        long deadLetters = inBatches(this::deleteRedrivenDeadLetters, deletedDeadLetters);
        long tasks = 0;
        long jobs = 0;
        while (true) {
            long tasksNow = inBatches(this::deleteTasksOfExpiredJobs, deletedTasks);
            long jobsNow = inBatches(this::deleteExpiredJobsWithoutTasks, deletedJobs);
            tasks += tasksNow;
            jobs += jobsNow;
            if (tasksNow == 0 && jobsNow == 0) {
                return new Deleted(jobs, tasks, keys, deadLetters);
            }
        }
    }

    private long inBatches(IntSupplier batch, Counter counter) {
        long total = 0;
        while (true) {
            int deleted = batch.getAsInt();
            counter.increment(deleted);
            total += deleted;
            if (deleted < properties.batchSize()) {
                return total;
            }
            pause();
        }
    }

    private int deleteIdempotencyKeys() {
        return jdbc.sql("""
                        DELETE FROM jobs.idempotency_keys
                         WHERE (portfolio_id, key) IN (
                               SELECT portfolio_id, key FROM jobs.idempotency_keys
                                WHERE created_at <= now() - make_interval(secs => :ttlSeconds)
                                LIMIT :batch
                                  FOR UPDATE SKIP LOCKED)
                        """)
                .param("ttlSeconds", idempotencyKeyTtl.toSeconds())
                .param("batch", properties.batchSize())
                .update();
    }

    /**
     * Up to a batch of the dead letters re-driven longest ago, found by the index of re-driven dead
     * letters (V180): the ones never re-driven, which may be many and are kept, are not read.
     */
    private int deleteRedrivenDeadLetters() {
        return jdbc.sql("""
                        DELETE FROM jobs.task_dead_letters
                         WHERE id IN (
                               SELECT id FROM jobs.task_dead_letters
                                WHERE redriven_at IS NOT NULL
                                  AND redriven_at <= now() - make_interval(secs => :retentionSeconds)
                                ORDER BY redriven_at
                                LIMIT :batch
                                  FOR UPDATE SKIP LOCKED)
                        """)
                .param("retentionSeconds", properties.finishedJobs().toSeconds())
                .param("batch", properties.batchSize())
                .update();
    }

    /** Up to a batch of tasks of the oldest expired jobs (found by the index of finished jobs). */
    private int deleteTasksOfExpiredJobs() {
        return jdbc.sql("""
                        DELETE FROM jobs.bulk_tasks
                         WHERE id IN (
                               SELECT t.id FROM jobs.bulk_tasks t
                                WHERE t.job_id IN (
                                      SELECT j.id FROM jobs.bulk_jobs j
                                       WHERE j.completed_at IS NOT NULL
                                         AND j.completed_at <= now() - make_interval(secs => :retentionSeconds)
                                         AND j.status IN ('COMPLETED', 'COMPLETED_WITH_ERRORS', 'CANCELLED')
                                       ORDER BY j.completed_at
                                       LIMIT :jobs)
                                LIMIT :batch
                                  FOR UPDATE SKIP LOCKED)
                        """)
                .param("retentionSeconds", properties.finishedJobs().toSeconds())
                .param("jobs", JOBS_PER_ROUND)
                .param("batch", properties.batchSize())
                .update();
    }

    /** Expired jobs none of whose tasks are left (their idempotency keys go by the foreign key's cascade). */
    private int deleteExpiredJobsWithoutTasks() {
        return jdbc.sql("""
                        DELETE FROM jobs.bulk_jobs
                         WHERE id IN (
                               SELECT j.id FROM jobs.bulk_jobs j
                                WHERE j.completed_at IS NOT NULL
                                  AND j.completed_at <= now() - make_interval(secs => :retentionSeconds)
                                  AND j.status IN ('COMPLETED', 'COMPLETED_WITH_ERRORS', 'CANCELLED')
                                  AND NOT EXISTS (SELECT 1 FROM jobs.bulk_tasks t WHERE t.job_id = j.id)
                                ORDER BY j.completed_at
                                LIMIT :batch
                                  FOR UPDATE SKIP LOCKED)
                        """)
                .param("retentionSeconds", properties.finishedJobs().toSeconds())
                .param("batch", properties.batchSize())
                .update();
    }

    private void pause() {
        if (properties.pause().isZero()) {
            return;
        }
        try {
            Thread.sleep(properties.pause());
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted between retention batches", ex);
        }
    }

    /**
     * What one run deleted.
     *
     * @param jobs finished jobs
     * @param tasks their tasks
     * @param idempotencyKeys expired idempotency keys
     * @param deadLetters task dead letters re-driven longer ago than the retention period
     */
    public record Deleted(long jobs, long tasks, long idempotencyKeys, long deadLetters) {

        long total() {
            return jobs + tasks + idempotencyKeys + deadLetters;
        }
    }
}
