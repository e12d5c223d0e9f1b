package com.portfoliobulk.gateway.relay;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Nothing stuck forever: the pending tasks of an unfinished job that the relay sent in full, and sent
 * nothing of for {@code bulk.gateway.stuck-tasks.after} (15 min), are queued to be sent again (their
 * records lost, the topic truncated, or a crash lost the commit that would have recorded them). The
 * worker applies a task only while it is pending, so a copy that was merely late changes nothing. The
 * job's {@code relayed_at} moves with it, so its tasks are queued again only after another period, and
 * a task still queued from an earlier period (the broker down, nothing sent since) is not queued twice.
 *
 * <p>A job swept before that made no progress since (no task of it ended: the workers are down, say,
 * and the tasks sent again still wait on the topic) waits twice as long before each next sweep, at
 * most {@code 2^}{@value #MAX_DOUBLINGS} periods: each sweep sends every pending task once more, and
 * an outage of hours would otherwise put a copy of each on the topic every period. Once a task of the
 * job ends, the period is one again.
 *
 * <p>A task the worker deferred (an earlier task of its account was still pending) is not stuck and
 * not sent again here; it is released once the earlier task ends.
 *
 * <p>Order is kept: a task is not sent again when a later task (by sequence) of the same account and
 * portfolio was already applied, or skipped on the account's state then, since applying it now would
 * reorder that account's changes (a later task of another portfolio does not count: the account left
 * the task's portfolio, which skips the task); it stays pending and shows in {@code bulk_tasks_oldest_pending_age_seconds} and its
 * alert. A later task that failed (unreadable, retries exhausted) or was cancelled changed and decided
 * nothing, and holds nothing back. bulk-schema's {@code db/resend-pending-tasks.sql}, which operators
 * run after a restore of the database or the loss of Kafka's data (and the local stack when its broker
 * starts empty), leaves the same tasks pending by the same condition, word for word, and the worker's
 * re-drive of a dead letter refuses such a task by it too (bulk-worker's {@code DeadLetterStore#task}):
 * change all three or none. At most {@code batch-size} jobs per statement.
 */
@Component
public class StuckTaskSweeper {

    private static final Logger log = LoggerFactory.getLogger(StuckTaskSweeper.class);

    /**
     * How often the wait before a job's next sweep doubles while the job makes no progress: at most
     * 2^4 = 16 periods (4 hours of the default 15 minutes) between two sweeps of a job.
     */
    private static final int MAX_DOUBLINGS = 4;

    private final JdbcClient jdbc;

    private final Duration after;

    private final int batchSize;

    private final Counter republished;

    StuckTaskSweeper(
            JdbcClient jdbc,
            @Value("${bulk.gateway.stuck-tasks.after:15m}") Duration after,
            @Value("${bulk.gateway.stuck-tasks.batch-size:5000}") int batchSize,
            MeterRegistry meters) {
        // At 0 the sweep's loop never ended (no statement takes a job, and 0 is not below 0): a scheduler
        // thread queried PostgreSQL without a pause. Below 0 every sweep failed.
        if (batchSize < 1) {
            throw new IllegalArgumentException("bulk.gateway.stuck-tasks.batch-size is " + batchSize
                    + "; it must be at least 1 (5000 by default): the most jobs one statement of the"
                    + " stuck-task sweep takes");
        }
        // At 0 or less every pending task of every job the relay sent in full was sent again at each sweep.
        if (after == null || !after.isPositive()) {
            throw new IllegalArgumentException("bulk.gateway.stuck-tasks.after is " + after
                    + "; it must be positive (15m by default), or every pending task is sent again at each"
                    + " sweep (bulk.gateway.stuck-tasks.interval)");
        }
        this.jdbc = jdbc;
        this.after = after;
        this.batchSize = batchSize;
        this.republished = Counter.builder("bulk.tasks.republished")
                .description("Tasks sent long ago and still pending, queued to be sent again")
                .register(meters);
    }

    @Scheduled(
            initialDelayString = "${bulk.gateway.stuck-tasks.interval:1m}",
            fixedDelayString = "${bulk.gateway.stuck-tasks.interval:1m}")
    void scheduled() {
        try {
            int marked = sweep();
            if (marked > 0) {
                log.warn("{} tasks sent more than {} ago were still pending: sending them again", marked, after);
            }
        } catch (RuntimeException ex) {
            log.warn("The stuck-task sweep failed; it runs again later", ex);
        }
    }

    /**
     * Queues the stuck tasks to be sent again, batch of jobs by batch of jobs; answers how many. Deferred
     * tasks are not stuck: the worker holds them back until an earlier task of their account ends, and
     * this sweep sends that earlier task again when it is the one stuck. As a safety net it also
     * releases the deferred tasks that nothing holds back any more (the end of their earlier task raced
     * their deferral).
     */
    public int sweep() {
        int released = jdbc.sql("SELECT jobs.release_deferred_tasks(NULL, :batch)")
                .param("batch", batchSize)
                .query(Integer.class)
                .single();
        if (released > 0) {
            log.info("{} deferred tasks no longer held back were handed to the relay", released);
        }
        int total = 0;
        while (true) {
            Swept swept = jdbc.sql("""
                            WITH stuck AS (
                                SELECT id FROM jobs.bulk_jobs
                                 WHERE status IN ('QUEUED', 'IN_PROGRESS') AND relay_done
                                   AND relayed_at <= now() - make_interval(secs => :afterSeconds
                                       * CASE WHEN pending = stuck_pending
                                              THEN power(2, least(stuck_sweeps, :maxDoublings)) ELSE 1 END)
                                 ORDER BY id
                                 LIMIT :batch
                                   FOR UPDATE SKIP LOCKED),
                            moved AS (
                                UPDATE jobs.bulk_jobs j
                                   SET relayed_at = now(),
                                       stuck_sweeps = CASE WHEN j.pending = j.stuck_pending
                                                           THEN j.stuck_sweeps + 1 ELSE 1 END,
                                       stuck_pending = j.pending
                                  FROM stuck WHERE j.id = stuck.id
                                RETURNING j.id),
                            queued AS (
                                INSERT INTO jobs.task_republications (task_id, seq, portfolio_id)
                                SELECT s.id, s.seq, s.portfolio_id
                                  FROM moved
                                  JOIN jobs.bulk_tasks s ON s.job_id = moved.id AND s.status = 'PENDING'
                                 WHERE s.deferred_at IS NULL
                                   AND NOT EXISTS (
                                       SELECT 1 FROM jobs.task_republications queued WHERE queued.task_id = s.id)
                                   AND NOT EXISTS (
                                       SELECT 1 FROM jobs.bulk_tasks later
                                        WHERE later.account_id = s.account_id
                                          AND later.portfolio_id = s.portfolio_id
                                          AND later.seq > s.seq
                                          AND later.applied_at IS NOT NULL
                                          AND later.status IN ('SUCCEEDED', 'SKIPPED'))
                                 ORDER BY s.seq
                                RETURNING 1)
                            SELECT (SELECT count(*) FROM moved)::integer AS jobs,
                                   (SELECT count(*) FROM queued)::integer AS tasks
                            """)
                    .param("afterSeconds", (double) after.toMillis() / 1000)
                    .param("maxDoublings", MAX_DOUBLINGS)
                    .param("batch", batchSize)
                    .query((row, n) -> new Swept(row.getInt("jobs"), row.getInt("tasks")))
                    .single();
            republished.increment(swept.tasks());
            total += swept.tasks();
            if (swept.jobs() < batchSize) {
                return total;
            }
        }
    }

    /** What one statement of the sweep did: the stuck jobs it took and the tasks it queued of them. */
    private record Swept(int jobs, int tasks) {}
}
