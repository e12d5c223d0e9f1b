package com.portfoliobulk.gateway.monitoring;

import com.portfoliobulk.servicesupport.metrics.GaugeMeasurement;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * {@code bulk_tasks_oldest_pending_age_seconds}: how long the oldest task still waiting to be applied
 * has waited (0 when none waits). Its tasks are written with their job, so it is the age of the oldest
 * unfinished job that still has pending tasks, found through the index of unfinished jobs. Counted at
 * most once per {@code bulk.gateway.monitoring.refresh-interval} (15 s) however often metrics are
 * scraped, and never holding a scrape: while the database is slow or cannot be reached it keeps the last
 * value ({@link GaugeMeasurement}).
 */
@Component
class OldestPendingTask {

    private final GaugeMeasurement<Double> seconds;

    OldestPendingTask(
            JdbcClient jdbc,
            MeterRegistry meters,
            @Value("${bulk.gateway.monitoring.refresh-interval:15s}") Duration refreshInterval) {
        this.seconds = new GaugeMeasurement<>(
                "the oldest pending task",
                () -> jdbc.sql("""
                                SELECT coalesce(extract(epoch FROM now() - min(created_at)), 0)
                                  FROM jobs.bulk_jobs
                                 WHERE status IN ('QUEUED', 'IN_PROGRESS') AND pending > 0
                                """).query(Double.class).single(),
                refreshInterval);
        Gauge.builder("bulk.tasks.oldest.pending.age", this, OldestPendingTask::seconds)
                .description("How long the oldest task not yet applied has waited since its job was submitted")
                .baseUnit("seconds")
                .register(meters);
    }

    double seconds() {
        Double measured = seconds.latest();
        return measured == null ? Double.NaN : measured;
    }
}
