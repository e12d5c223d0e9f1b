package com.portfoliobulk.gateway.monitoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.portfoliobulk.gateway.support.GatewayIntegrationTest;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

class OldestPendingTaskIntegrationTests extends GatewayIntegrationTest {

    private static final double HUNDRED_DAYS = Duration.ofDays(100).toSeconds();

    @Autowired
    private DataSource dataSource;

    @Test
    void isTheAgeOfTheOldestJobWithPendingTasksAndDropsWhenItFinishes() {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        OldestPendingTask oldest = new OldestPendingTask(jdbc, meters, Duration.ZERO);
        UUID job = UUID.randomUUID();
        jdbc.sql("""
                        INSERT INTO jobs.bulk_jobs (id, portfolio_id, type, status, requested_by_user_id,
                               requested_by_email, total, pending, created_at)
                        VALUES (:id, :portfolio, 'REMOVE_ACCESS', 'IN_PROGRESS', :user, 'admin@agency.test', 2, 2,
                                now() - interval '100 days 1 minute')
                        """)
                .param("id", job)
                .param("portfolio", UUID.randomUUID())
                .param("user", UUID.randomUUID())
                .update();

        // Each read waits at most GaugeMeasurement.MAX_WAIT for its query, which a loaded machine may pass.
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(meters.get("bulk.tasks.oldest.pending.age")
                                .gauge()
                                .value())
                        .isGreaterThanOrEqualTo(HUNDRED_DAYS));

        jdbc.sql("UPDATE jobs.bulk_jobs SET status = 'COMPLETED', pending = 0, succeeded = 2, completed_at = now()"
                        + " WHERE id = :id")
                .param("id", job)
                .update();

        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(oldest.seconds()).isLessThan(HUNDRED_DAYS));
    }

    /**
     * A measurement the database holds (here a lock on the jobs' table) holds no scrape: the gauge answers
     * its last value at once. A scrape that waited would pass Prometheus' timeout, and the whole gateway
     * would count as down.
     */
    @Test
    void aMeasurementTheDatabaseHoldsIsNotWaitedFor() throws Exception {
        OldestPendingTask oldest = new OldestPendingTask(jdbc, new SimpleMeterRegistry(), Duration.ZERO);
        double before = await().atMost(Duration.ofSeconds(10)).until(oldest::seconds, seconds -> !seconds.isNaN());

        try (Connection holder = dataSource.getConnection()) {
            holder.setAutoCommit(false);
            try (Statement lock = holder.createStatement()) {
                lock.execute("LOCK TABLE jobs.bulk_jobs IN ACCESS EXCLUSIVE MODE");
            }
            CompletableFuture<Double> scraped = CompletableFuture.supplyAsync(oldest::seconds);
            try {
                assertThat(scraped.get(3, TimeUnit.SECONDS)).isEqualTo(before);
            } finally {
                holder.rollback();
            }
        }
    }

    @Test
    void isAMetricOfTheGateway() {
        String metrics = metrics();

        assertThat(metrics).contains("bulk_tasks_oldest_pending_age_seconds{application=\"api-gateway\"}");
    }
}
