package com.portfoliobulk.gateway.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.portfoliobulk.gateway.support.GatewayIntegrationTest;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Tasks published long ago and still pending are marked unpublished, and the running relay publishes
 * them again; a task whose account already had a later task applied, a task published recently and a
 * finished task are left alone.
 */
class StuckTaskSweeperIntegrationTests extends GatewayIntegrationTest {

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

    @Test
    void stuckTasksArePublishedAgainUnlessThatWouldReorderTheirAccount() {
        UUID job = job(6);
        UUID lostAccount = UUID.randomUUID();
        UUID orderedAccount = UUID.randomUUID();
        UUID lost = task(job, lostAccount, "PENDING", "2 hours");
        UUID lostToo = task(job, lostAccount, "PENDING", "2 hours");
        UUID blocked = task(job, orderedAccount, "PENDING", "2 hours");
        UUID appliedLater = task(job, orderedAccount, "SUCCEEDED", "2 hours");
        UUID recent = task(job, UUID.randomUUID(), "PENDING", "1 minute");
        UUID done = task(job, UUID.randomUUID(), "SUCCEEDED", "2 hours");
        Map<UUID, OffsetDateTime> before = new HashMap<>();
        for (UUID task : List.of(lost, lostToo, blocked, appliedLater, recent, done)) {
            before.put(task, publishedAt(task));
        }

        // Batches of one: the sweep goes on until no stuck task is left.
        int marked = new StuckTaskSweeper(jdbc, Duration.ofHours(1), 1, meters).sweep();

        assertThat(marked).as("other tests' tasks are younger than an hour").isEqualTo(2);
        assertThat(meters.get("bulk.tasks.republished").counter().count()).isEqualTo(2);
        for (UUID untouched : List.of(blocked, appliedLater, recent, done)) {
            assertThat(publishedAt(untouched)).isEqualTo(before.get(untouched));
        }
        // The running relay sends them again.
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(publishedAt(lost)).isNotNull().isAfter(before.get(lost).plusHours(1));
            assertThat(publishedAt(lostToo))
                    .isNotNull()
                    .isAfter(before.get(lostToo).plusHours(1));
        });
        assertThat(new StuckTaskSweeper(jdbc, Duration.ofHours(1), 1, meters).sweep())
                .as("sent again: not stuck any more")
                .isZero();
    }

    @Test
    void aDeferredTaskIsNotStuckAndGoesBackToTheRelayOnceNothingHoldsItBack() {
        UUID job = job(2);
        UUID account = UUID.randomUUID();
        UUID lost = task(job, account, "PENDING", "2 hours");
        UUID deferred = task(job, account, "PENDING", "2 hours");
        jdbc.sql("UPDATE jobs.bulk_tasks SET deferred_at = now() - interval '2 hours' WHERE id = :id")
                .param("id", deferred)
                .update();
        OffsetDateTime deferredPublishedAt = publishedAt(deferred);

        int marked = new StuckTaskSweeper(jdbc, Duration.ofHours(1), 100, meters).sweep();

        assertThat(marked).as("only the lost earlier task is sent again").isEqualTo(1);
        assertThat(publishedAt(deferred)).isEqualTo(deferredPublishedAt);
        assertThat(deferredAt(deferred)).isNotNull();

        // The earlier task ends (the worker applied it; its end did not reach the deferred task in time).
        jdbc.sql("UPDATE jobs.bulk_tasks SET status = 'SUCCEEDED', applied_at = now() WHERE id = :id")
                .param("id", lost)
                .update();
        new StuckTaskSweeper(jdbc, Duration.ofHours(1), 100, meters).sweep();

        assertThat(deferredAt(deferred)).isNull();
        // Unpublished by the sweep, then sent again by the running relay.
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(
                        () -> assertThat(publishedAt(deferred)).isNotNull().isAfter(deferredPublishedAt));
    }

    @Test
    void theRepublishedTasksAreAMetricOfTheGateway() {
        String metrics = org.springframework.web.client.RestClient.create("http://localhost:" + port)
                .get()
                .uri("/actuator/prometheus")
                .retrieve()
                .body(String.class);

        assertThat(metrics).contains("bulk_tasks_republished_total{application=\"api-gateway\"}");
    }

    private UUID job(int tasks) {
        UUID id = UUID.randomUUID();
        jdbc.sql("""
                        INSERT INTO jobs.bulk_jobs (id, portfolio_id, type, status, requested_by_user_id,
                               requested_by_email, total, pending, succeeded)
                        VALUES (:id, :portfolio, 'REMOVE_ACCESS', 'IN_PROGRESS', :user, 'admin@agency.test', :total, :total, 0)
                        """)
                .param("id", id)
                .param("portfolio", UUID.randomUUID())
                .param("user", UUID.randomUUID())
                .param("total", tasks)
                .update();
        return id;
    }

    private UUID task(UUID job, UUID account, String status, String publishedAgo) {
        UUID id = UUID.randomUUID();
        boolean applied = !status.equals("PENDING");
        jdbc.sql("""
                        INSERT INTO jobs.bulk_tasks (id, job_id, portfolio_id, account_id, user_id, action, status,
                               published_at, applied_at)
                        VALUES (:id, :job, gen_random_uuid(), :account, gen_random_uuid(), 'REMOVE', :status,
                                now() - CAST(:ago AS interval),
                                CASE WHEN :applied THEN now() END)
                        """)
                .param("id", id)
                .param("job", job)
                .param("account", account)
                .param("status", status)
                .param("ago", publishedAgo)
                .param("applied", applied)
                .update();
        return id;
    }

    private OffsetDateTime deferredAt(UUID task) {
        return jdbc.sql("SELECT deferred_at FROM jobs.bulk_tasks WHERE id = :id")
                .param("id", task)
                .query((row, index) -> Optional.ofNullable(row.getObject(1, OffsetDateTime.class)))
                .single()
                .orElse(null);
    }

    /** When the task was last published; null while it waits for the relay. */
    private OffsetDateTime publishedAt(UUID task) {
        return jdbc.sql("SELECT published_at FROM jobs.bulk_tasks WHERE id = :id")
                .param("id", task)
                .query((row, index) -> Optional.ofNullable(row.getObject(1, OffsetDateTime.class)))
                .single()
                .orElse(null);
    }
}
