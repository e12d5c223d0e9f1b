package com.portfoliobulk.gateway.retention;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
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
 * that same 30 days after they were re-driven or dismissed. A re-driven dead letter is done with (it is
 * re-driven at most once), and so is a dismissed one (an operator closed it without sending anything,
 * its cause being one no fix removes), yet each keeps the whole record, up to the broker's size limit;
 * once the tasks it names are deleted it is of no use at all. A dead letter neither re-driven nor
 * dismissed is kept: no operator has acted on it yet. The bulk-worker, which records dead letters, may not delete them; the gateway owns their table.
 *
 * <p>Deletion goes in bounded batches, each its own short transaction of at most
 * {@code batch-size} rows with a pause between batches, so that a 200,000-task job or a large
 * backlog never holds locks for long nor fills the write-ahead log at once. A job goes before its
 * tasks, at once: the statement that deletes it (its idempotency keys by the foreign key's cascade)
 * records it in {@code jobs.deleted_jobs}, and its tasks go after it, job by job, in batches, the
 * record last, once none is left. So a job is there with all its tasks or gone, whenever a run stops
 * (an error, the gateway stopping): its status, task list, CSV download and SCIM's reading of an
 * offboarding ({@code ScimUsers.deactivations}) never show part of its tasks. Nothing reads a task but
 * through its job (the task table has no foreign key to it), so the tasks a stopped run leaves are
 * seen by no one, and the next run deletes them. Rows being deleted by another gateway instance are
 * skipped ({@code SKIP LOCKED}), so instances do not wait for each other. Rows deleted count in
 * {@code bulk_retention_deleted_rows_total{table}}.
 */
@Component
public class Retention {

    private static final Logger log = LoggerFactory.getLogger(Retention.class);

    /** Deleted jobs read at a time, whose tasks are then deleted one job after the other. */
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
        // A key is deleted with its job (the foreign key's cascade); kept longer than a finished job, a
        // retry inside the key's window after the job was deleted would create a second job.
        if (idempotencyKeyTtl != null && idempotencyKeyTtl.compareTo(properties.finishedJobs()) > 0) {
            throw new IllegalArgumentException("bulk.gateway.jobs.idempotency-key-ttl is " + text(idempotencyKeyTtl)
                    + "; it must be at most bulk.gateway.retention.finished-jobs, " + text(properties.finishedJobs())
                    + ": a finished job is deleted with its Idempotency-Key after that, and a retry with the key"
                    + " would create a second job. Lower bulk.gateway.jobs.idempotency-key-ttl, or raise"
                    + " bulk.gateway.retention.finished-jobs.");
        }
        this.jdbc = jdbc;
        this.properties = properties;
        this.idempotencyKeyTtl = idempotencyKeyTtl;
        this.deletedJobs = counter(meters, "bulk_jobs");
        this.deletedTasks = counter(meters, "bulk_tasks");
        this.deletedKeys = counter(meters, "idempotency_keys");
        this.deletedDeadLetters = counter(meters, "task_dead_letters");
    }

    /** A duration as set: whole days as {@code 30d}, else e.g. {@code 36h} or {@code 90m}. */
    private static String text(Duration duration) {
        if (duration.toSeconds() % Duration.ofDays(1).toSeconds() == 0 && duration.toNanosPart() == 0) {
            return duration.toDays() + "d";
        }
        return duration.toString().substring(2).toLowerCase(Locale.ROOT);
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
                        "Retention deleted {} finished jobs, {} tasks, {} idempotency keys and {} re-driven or"
                                + " dismissed dead letters",
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

    /**
     * Deletes everything past its retention now, batch by batch; answers how much. The tasks deleted
     * are those of the jobs deleted now and of those an earlier run deleted and stopped before their
     * tasks were all gone.
     */
    public Deleted run() {
        long keys = inBatches(this::deleteIdempotencyKeys, deletedKeys);
        long deadLetters = inBatches(() -> deleteClosedDeadLetters("redriven_at"), deletedDeadLetters)
                + inBatches(() -> deleteClosedDeadLetters("dismissed_at"), deletedDeadLetters);
        long jobs = inBatches(this::deleteExpiredJobs, deletedJobs);
        long tasks = 0;
        UUID after = new UUID(0, 0);
        List<UUID> round;
        do {
            round = jobsWithTasksLeft(after);
            for (UUID job : round) {
                tasks += inBatches(() -> deleteTasksOf(job), deletedTasks);
                forgetIfNoTaskLeft(job);
                after = job;
            }
        } while (round.size() == JOBS_PER_ROUND);
        return new Deleted(jobs, tasks, keys, deadLetters);
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
     * Up to a batch of the dead letters an operator closed longest ago, by {@code closedAt}: {@code
     * redriven_at}, found by the index of re-driven dead letters (V180), or {@code dismissed_at}, by that
     * of dismissed ones (V190). The ones never closed, which may be many and are kept, are not read.
     */
    private int deleteClosedDeadLetters(String closedAt) {
        return jdbc.sql("""
                        DELETE FROM jobs.task_dead_letters
                         WHERE id IN (
                               SELECT id FROM jobs.task_dead_letters
                                WHERE %1$s IS NOT NULL
                                  AND %1$s <= now() - make_interval(secs => :retentionSeconds)
                                ORDER BY %1$s
                                LIMIT :batch
                                  FOR UPDATE SKIP LOCKED)
                        """.formatted(closedAt))
                .param("retentionSeconds", properties.finishedJobs().toSeconds())
                .param("batch", properties.batchSize())
                .update();
    }

    /**
     * Up to a batch of the jobs that finished longest ago past the retention period (found by the index
     * of finished jobs), deleted with their idempotency keys (the foreign key's cascade) and recorded
     * in {@code jobs.deleted_jobs} in the same statement: their tasks go after them.
     */
    private int deleteExpiredJobs() {
        return jdbc.sql("""
                        WITH deleted AS (
                            DELETE FROM jobs.bulk_jobs
                             WHERE id IN (
                                   SELECT j.id FROM jobs.bulk_jobs j
                                    WHERE j.completed_at IS NOT NULL
                                      AND j.completed_at <= now() - make_interval(secs => :retentionSeconds)
                                      AND j.status IN ('COMPLETED', 'COMPLETED_WITH_ERRORS', 'CANCELLED')
                                    ORDER BY j.completed_at
                                    LIMIT :batch
                                      FOR UPDATE SKIP LOCKED)
                            RETURNING id)
                        INSERT INTO jobs.deleted_jobs (job_id) SELECT id FROM deleted
                        """)
                .param("retentionSeconds", properties.finishedJobs().toSeconds())
                .param("batch", properties.batchSize())
                .update();
    }

    /** The next deleted jobs whose tasks may be left, in id order after {@code after}. */
    private List<UUID> jobsWithTasksLeft(UUID after) {
        return jdbc.sql("""
                        SELECT job_id FROM jobs.deleted_jobs WHERE job_id > :after ORDER BY job_id LIMIT :jobs
                        """)
                .param("after", after)
                .param("jobs", JOBS_PER_ROUND)
                .query(UUID.class)
                .list();
    }

    /** Up to a batch of the deleted job's tasks (found by {@code bulk_tasks_by_job}). */
    private int deleteTasksOf(UUID job) {
        return jdbc.sql("""
                        DELETE FROM jobs.bulk_tasks
                         WHERE id IN (
                               SELECT id FROM jobs.bulk_tasks
                                WHERE job_id = :job
                                LIMIT :batch
                                  FOR UPDATE SKIP LOCKED)
                        """)
                .param("job", job)
                .param("batch", properties.batchSize())
                .update();
    }

    /**
     * Forgets the deleted job once none of its tasks is left. Tasks another instance is deleting at
     * the same moment still count, until it commits: that instance, or the next run, forgets the job.
     */
    private void forgetIfNoTaskLeft(UUID job) {
        jdbc.sql("""
                        DELETE FROM jobs.deleted_jobs d
                         WHERE d.job_id = :job
                           AND NOT EXISTS (SELECT 1 FROM jobs.bulk_tasks t WHERE t.job_id = d.job_id)
                        """).param("job", job).update();
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
     * @param deadLetters task dead letters re-driven or dismissed longer ago than the retention period
     */
    public record Deleted(long jobs, long tasks, long idempotencyKeys, long deadLetters) {

        long total() {
            return jobs + tasks + idempotencyKeys + deadLetters;
        }
    }
}
