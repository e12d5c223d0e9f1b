package com.portfoliobulk.gateway.monitoring;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * {@code bulk_tasks_oldest_pending_age_seconds}: how long the oldest task still waiting to be applied
 * has waited (0 when none waits). Its tasks are written with their job, so it is the age of the oldest
 * unfinished job that still has pending tasks, found through the index of unfinished jobs. Counted at
 * most once per {@code bulk.gateway.monitoring.refresh-interval} (15 s) however often metrics are
 * scraped; while the database cannot be reached it keeps the last value.
 */
@Component
class OldestPendingTask {

    private static final Logger log = LoggerFactory.getLogger(OldestPendingTask.class);

    private final JdbcClient jdbc;

    private final long refreshNanos;

    private long countedAt;

    private double value = Double.NaN;

    OldestPendingTask(
            JdbcClient jdbc,
            MeterRegistry meters,
            @Value("${bulk.gateway.monitoring.refresh-interval:15s}") Duration refreshInterval) {
        this.jdbc = jdbc;
        this.refreshNanos = refreshInterval.toNanos();
        Gauge.builder("bulk.tasks.oldest.pending.age", this, OldestPendingTask::seconds)
                .description("How long the oldest task not yet applied has waited since its job was submitted")
                .baseUnit("seconds")
                .register(meters);
    }

    synchronized double seconds() {
        long now = System.nanoTime();
        if (Double.isNaN(value) || now - countedAt >= refreshNanos) {
            try {
                value = jdbc.sql("""
                                SELECT coalesce(extract(epoch FROM now() - min(created_at)), 0)
                                  FROM jobs.bulk_jobs
                                 WHERE status IN ('QUEUED', 'IN_PROGRESS') AND pending > 0
                                """).query(Double.class).single();
                countedAt = now;
            } catch (RuntimeException ex) {
                log.debug("Could not measure the oldest pending task: {}", ex.toString());
            }
        }
        return value;
    }
}
