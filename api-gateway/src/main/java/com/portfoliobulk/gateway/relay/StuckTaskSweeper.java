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
 * Nothing stuck forever: a task published more than {@code bulk.gateway.stuck-tasks.after} (15 min)
 * ago and still pending (its record lost, the topic truncated, or a crash lost the commit that would
 * have recorded it) is marked unpublished, so the relay sends it again. The worker applies a task
 * only while it is pending, so a copy that was merely late changes nothing.
 *
 * <p>A task the worker deferred (an earlier task of its account was still pending) is not stuck and
 * not sent again here; it is released once the earlier task ends.
 *
 * <p>Order is kept: a task is not sent again when a later task (by sequence) of the same account was
 * already applied, since applying it now would reorder that account's changes; it stays pending and
 * shows in {@code bulk_tasks_oldest_pending_age_seconds} and its alert. Batches of at most
 * {@code batch-size} rows, skipping rows locked by a worker or another gateway.
 */
@Component
public class StuckTaskSweeper {

    private static final Logger log = LoggerFactory.getLogger(StuckTaskSweeper.class);

    private final JdbcClient jdbc;

    private final Duration after;

    private final int batchSize;

    private final Counter republished;

    StuckTaskSweeper(
            JdbcClient jdbc,
            @Value("${bulk.gateway.stuck-tasks.after:15m}") Duration after,
            @Value("${bulk.gateway.stuck-tasks.batch-size:5000}") int batchSize,
            MeterRegistry meters) {
        this.jdbc = jdbc;
        this.after = after;
        this.batchSize = batchSize;
        this.republished = Counter.builder("bulk.tasks.republished")
                .description("Tasks published long ago and still pending, marked to be published again")
                .register(meters);
    }

    @Scheduled(
            initialDelayString = "${bulk.gateway.stuck-tasks.interval:1m}",
            fixedDelayString = "${bulk.gateway.stuck-tasks.interval:1m}")
    void scheduled() {
        try {
            int marked = sweep();
            if (marked > 0) {
                log.warn(
                        "{} tasks published more than {} ago were still pending: publishing them again", marked, after);
            }
        } catch (RuntimeException ex) {
            log.warn("The stuck-task sweep failed; it runs again later", ex);
        }
    }

    /**
     * Marks stuck tasks unpublished, batch by batch; answers how many. Deferred tasks are not stuck: the
     * worker holds them back until an earlier task of their account ends, and this sweep sends that
     * earlier task again when it is the one stuck. As a safety net it also releases the deferred tasks
     * that nothing holds back any more (the end of their earlier task raced their deferral).
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
            int marked = jdbc.sql("""
                            UPDATE jobs.bulk_tasks SET published_at = NULL
                             WHERE id IN (
                                   SELECT s.id FROM jobs.bulk_tasks s
                                    WHERE s.status = 'PENDING'
                                      AND s.published_at IS NOT NULL
                                      AND s.deferred_at IS NULL
                                      AND s.published_at <= now() - make_interval(secs => :afterSeconds)
                                      AND NOT EXISTS (
                                          SELECT 1 FROM jobs.bulk_tasks later
                                           WHERE later.account_id = s.account_id
                                             AND later.seq > s.seq
                                             AND later.applied_at IS NOT NULL)
                                    ORDER BY s.published_at
                                    LIMIT :batch
                                      FOR UPDATE OF s SKIP LOCKED)
                            """)
                    .param("afterSeconds", (double) after.toMillis() / 1000)
                    .param("batch", batchSize)
                    .update();
            republished.increment(marked);
            total += marked;
            if (marked < batchSize) {
                return total;
            }
        }
    }
}
