package com.portfoliobulk.gateway.monitoring;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.gateway.support.GatewayIntegrationTest;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class OldestPendingTaskIntegrationTests extends GatewayIntegrationTest {

    private static final double HUNDRED_DAYS = Duration.ofDays(100).toSeconds();

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

        assertThat(meters.get("bulk.tasks.oldest.pending.age").gauge().value()).isGreaterThanOrEqualTo(HUNDRED_DAYS);

        jdbc.sql("UPDATE jobs.bulk_jobs SET status = 'COMPLETED', pending = 0, succeeded = 2, completed_at = now()"
                        + " WHERE id = :id")
                .param("id", job)
                .update();

        assertThat(oldest.seconds()).isLessThan(HUNDRED_DAYS);
    }

    @Test
    void isAMetricOfTheGateway() {
        String metrics = metrics();

        assertThat(metrics).contains("bulk_tasks_oldest_pending_age_seconds{application=\"api-gateway\"}");
    }
}
