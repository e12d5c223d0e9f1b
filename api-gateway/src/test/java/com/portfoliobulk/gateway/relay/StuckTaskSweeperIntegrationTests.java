package com.portfoliobulk.gateway.relay;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.gateway.support.GatewayIntegrationTest;
import com.portfoliobulk.gateway.support.TaskTopic;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.support.SqlArrayValue;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The pending tasks of a job the relay sent long ago are queued to be sent again, and the running relay
 * sends them; a task whose account already had a later task applied, a deferred task, the tasks of a
 * job sent recently and finished tasks are left alone.
 */
class StuckTaskSweeperIntegrationTests extends GatewayIntegrationTest {

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

    @Autowired
    private PlatformTransactionManager transactions;

    private TaskTopic taskTopic;

    @BeforeEach
    void readTopic() {
        taskTopic = TaskTopic.fromNow(bootstrapServers, topic);
    }

    @AfterEach
    void closeTopic() {
        taskTopic.close();
    }

    @Test
    void stuckTasksAreSentAgainUnlessThatWouldReorderTheirAccount() {
        UUID job = job("2 hours");
        UUID lostAccount = UUID.randomUUID();
        UUID orderedAccount = UUID.randomUUID();
        UUID lost = task(job, lostAccount, "PENDING");
        UUID lostToo = task(job, lostAccount, "PENDING");
        UUID blocked = task(job, orderedAccount, "PENDING");
        task(job, orderedAccount, "SUCCEEDED");
        task(job, UUID.randomUUID(), "SUCCEEDED");
        UUID recentJob = job("1 minute");
        task(recentJob, UUID.randomUUID(), "PENDING");

        // Batches of one job: the sweep goes on until no stuck job is left.
        int queued = new StuckTaskSweeper(jdbc, Duration.ofHours(1), 1, meters).sweep();

        assertThat(queued)
                .as("other tests' jobs were sent less than an hour ago")
                .isEqualTo(2);
        assertThat(meters.get("bulk.tasks.republished").counter().count()).isEqualTo(2);
        // The running relay sends them again, in seq order (one account, one partition), and nothing else.
        assertThat(taskTopic.await(message -> message.jobId().equals(job), 2, Duration.ofSeconds(30)).stream()
                        .map(received -> received.message().taskId()))
                .containsExactly(lost, lostToo);
        assertThat(taskTopic.readToEnd(message -> Set.of(job, recentJob).contains(message.jobId())))
                .as("not the blocked task, nor the recent job's")
                .hasSize(2)
                .noneMatch(received -> received.message().taskId().equals(blocked));
        assertThat(new StuckTaskSweeper(jdbc, Duration.ofHours(1), 1, meters).sweep())
                .as("sent again just now: not stuck any more")
                .isZero();
    }

    /**
     * A task queued to be sent again and not sent yet (the broker down, so the relay sends nothing) is
     * not queued a second time when its job is still stuck a period later: otherwise each period of an
     * outage added a copy of every pending task, all sent once the broker was back. The job and both
     * sweeps are one transaction, rolled back, so that the running relay and other tests never see them.
     */
    @Test
    void aTaskQueuedAndNotSentYetIsNotQueuedAgain() {
        StuckTaskSweeper sweeper = new StuckTaskSweeper(jdbc, Duration.ofHours(1), 100, meters);

        new TransactionTemplate(transactions).executeWithoutResult(transaction -> {
            UUID job = job("2 hours");
            UUID lost = task(job, UUID.randomUUID(), "PENDING");
            assertThat(sweeper.sweep()).isEqualTo(1);
            jdbc.sql("UPDATE jobs.bulk_jobs SET relayed_at = now() - interval '2 hours' WHERE id = :id")
                    .param("id", job)
                    .update();

            assertThat(sweeper.sweep())
                    .as("a period later, nothing sent meanwhile")
                    .isZero();
            assertThat(jdbc.sql("SELECT count(*) FROM jobs.task_republications WHERE task_id = :id")
                            .param("id", lost)
                            .query(Integer.class)
                            .single())
                    .isEqualTo(1);
            transaction.setRollbackOnly();
        });
    }

    /**
     * A job that made no progress since it was swept (the workers down for hours, say) waits twice as
     * long before each next sweep, up to 16 periods: the tasks sent again are on the topic still, and
     * each period of the outage sent every pending task once more (for a 200,000-task job, 150,000
     * copies every 15 minutes, all read once the workers are back). Progress brings the period back. The
     * job and the sweeps are one transaction, rolled back, so that the running relay and other tests
     * never see them.
     */
    @Test
    void aJobThatMadeNoProgressSinceItWasSweptWaitsTwiceAsLongBeforeTheNextSweep() {
        StuckTaskSweeper sweeper = new StuckTaskSweeper(jdbc, Duration.ofHours(1), 100, meters);

        new TransactionTemplate(transactions).executeWithoutResult(transaction -> {
            UUID job = job("2 hours");
            UUID first = task(job, UUID.randomUUID(), "PENDING");
            task(job, UUID.randomUUID(), "PENDING");
            assertThat(sweeper.sweep()).isEqualTo(2);

            sentAgainAndSweptAgo(job, "90 minutes");
            assertThat(sweeper.sweep())
                    .as("no progress: swept again after 2 hours, not 1")
                    .isZero();
            sentAgainAndSweptAgo(job, "150 minutes");
            assertThat(sweeper.sweep()).isEqualTo(2);
            sentAgainAndSweptAgo(job, "210 minutes");
            assertThat(sweeper.sweep()).as("still none: after 4 hours").isZero();
            sentAgainAndSweptAgo(job, "5 hours");
            assertThat(sweeper.sweep()).isEqualTo(2);
            for (int sweep = 0; sweep < 4; sweep++) {
                sentAgainAndSweptAgo(job, "17 hours");
                assertThat(sweeper.sweep()).as("at most 16 periods apart").isEqualTo(2);
            }

            jdbc.sql("UPDATE jobs.bulk_tasks SET status = 'SUCCEEDED', applied_at = now() WHERE id = :id")
                    .param("id", first)
                    .update();
            jdbc.sql("UPDATE jobs.bulk_jobs SET pending = pending - 1, succeeded = succeeded + 1 WHERE id = :id")
                    .param("id", job)
                    .update();
            sentAgainAndSweptAgo(job, "90 minutes");
            assertThat(sweeper.sweep()).as("progress: the period is one again").isEqualTo(1);
            transaction.setRollbackOnly();
        });
    }

    /**
     * A later task that changed nothing and decided nothing (failed unread, or cancelled) does not hold
     * back an earlier one: applying the earlier one now reorders nothing. A later task skipped on the
     * account's state (say a removal of someone the lost invitation had not invited yet) still does.
     */
    @Test
    void aLaterTaskThatFailedOrWasCancelledDoesNotHoldBackALostEarlierOne() {
        UUID job = job("2 hours");
        UUID account = UUID.randomUUID();
        UUID lost = task(job, account, "PENDING");
        UUID unreadable = task(job, account, "FAILED");
        jdbc.sql("UPDATE jobs.bulk_tasks SET reason = 'INVALID_TASK' WHERE id = :id")
                .param("id", unreadable)
                .update();
        task(job, account, "CANCELLED");
        UUID decidedAccount = UUID.randomUUID();
        UUID blocked = task(job, decidedAccount, "PENDING");
        task(job, decidedAccount, "SKIPPED");

        int queued = new StuckTaskSweeper(jdbc, Duration.ofHours(1), 1, meters).sweep();

        assertThat(queued).isEqualTo(1);
        assertThat(taskTopic.await(message -> message.jobId().equals(job), 1, Duration.ofSeconds(30)).stream()
                        .map(received -> received.message().taskId()))
                .containsExactly(lost);
        assertThat(taskTopic.readToEnd(message -> message.jobId().equals(job)))
                .noneMatch(received -> received.message().taskId().equals(blocked));
    }

    /**
     * The account moved to another portfolio, whose later task for it was applied: the old portfolio's
     * lost task is sent again all the same (the worker skips it, the account having left its portfolio),
     * and its job ends. Held back by the other portfolio's task, it stayed pending for good.
     */
    @Test
    void aLaterTaskOfAnotherPortfolioDoesNotHoldBackALostEarlierOne() {
        UUID job = job("2 hours");
        UUID account = UUID.randomUUID();
        UUID lost = task(job, account, "PENDING");
        task(job("2 hours"), account, "SUCCEEDED");

        int queued = new StuckTaskSweeper(jdbc, Duration.ofHours(1), 100, meters).sweep();

        assertThat(queued).isEqualTo(1);
        assertThat(taskTopic.await(message -> message.jobId().equals(job), 1, Duration.ofSeconds(30)).stream()
                        .map(received -> received.message().taskId()))
                .containsExactly(lost);
    }

    @Test
    void aDeferredTaskIsNotStuckAndGoesBackToTheRelayOnceNothingHoldsItBack() {
        UUID job = job("2 hours");
        UUID account = UUID.randomUUID();
        UUID lost = task(job, account, "PENDING");
        UUID deferred = task(job, account, "PENDING");
        jdbc.sql("UPDATE jobs.bulk_tasks SET deferred_at = now() - interval '2 hours' WHERE id = :id")
                .param("id", deferred)
                .update();

        int queued = new StuckTaskSweeper(jdbc, Duration.ofHours(1), 100, meters).sweep();

        assertThat(queued).as("only the lost earlier task is sent again").isEqualTo(1);
        assertThat(taskTopic.await(message -> message.jobId().equals(job), 1, Duration.ofSeconds(30)).stream()
                        .map(received -> received.message().taskId()))
                .containsExactly(lost);
        assertThat(deferredAt(deferred)).isNotNull();

        // The earlier task ends (the worker applied it; its end did not reach the deferred task in time).
        jdbc.sql("UPDATE jobs.bulk_tasks SET status = 'SUCCEEDED', applied_at = now() WHERE id = :id")
                .param("id", lost)
                .update();
        new StuckTaskSweeper(jdbc, Duration.ofHours(1), 100, meters).sweep();

        assertThat(deferredAt(deferred)).isNull();
        // Released by the sweep, then sent again by the running relay.
        assertThat(taskTopic.await(message -> message.jobId().equals(job), 2, Duration.ofSeconds(30)).stream()
                        .map(received -> received.message().taskId()))
                .containsExactly(lost, deferred);
    }

    /**
     * A sweep made while the task table's statistics say no task is pending (analyzed before a new job's
     * tasks came, as happens until autovacuum analyzes it again) hands the deferred tasks that nothing
     * holds back any more to the relay choosing them once: PostgreSQL chose the tasks to release again
     * for every deferred task, and for each read every pending task (10,610,152 tasks read here, where
     * 200 do). The job and the sweep are one transaction, rolled back; the tasks read are those
     * PostgreSQL fetched in it.
     */
    @Test
    void aSweepWhileTheStatisticsKnowNoPendingTaskChoosesTheDeferredTasksToReleaseOnce() {
        // No job is stuck for that long: the sweep only releases deferred tasks.
        StuckTaskSweeper sweeper = new StuckTaskSweeper(jdbc, Duration.ofDays(3650), 100, meters);

        new TransactionTemplate(transactions).executeWithoutResult(transaction -> {
            transaction.setRollbackOnly();
            // Earlier jobs' tasks, analyzed while none is pending...
            jdbc.sql("""
                            INSERT INTO jobs.bulk_tasks (id, job_id, portfolio_id, account_id, user_id, action, status,
                                                         applied_at)
                            SELECT gen_random_uuid(), j.id, gen_random_uuid(), gen_random_uuid(), gen_random_uuid(),
                                   'REMOVE', 'SUCCEEDED', now()
                              FROM (SELECT gen_random_uuid() AS id FROM generate_series(1, 2000)) j,
                                   generate_series(1, 10)
                            """).update();
            jdbc.sql("ANALYZE jobs.bulk_tasks").update();
            // ...then a new job: 2,000 pending tasks, and 100 deferred ones that nothing holds back any more.
            UUID job = job("1 minute");
            jdbc.sql("""
                            INSERT INTO jobs.bulk_tasks (id, job_id, portfolio_id, account_id, user_id, action)
                            SELECT gen_random_uuid(), :job, gen_random_uuid(), gen_random_uuid(), gen_random_uuid(),
                                   'REMOVE'
                              FROM generate_series(1, 2000)
                            """).param("job", job).update();
            List<UUID> deferred =
                    jdbc.sql("""
                            INSERT INTO jobs.bulk_tasks (id, job_id, portfolio_id, account_id, user_id, action,
                                                         deferred_at)
                            SELECT gen_random_uuid(), :job, gen_random_uuid(), gen_random_uuid(), gen_random_uuid(),
                                   'REMOVE', now() - interval '1 minute'
                              FROM generate_series(1, 100)
                            RETURNING id
                            """).param("job", job).query(UUID.class).list();

            long readBefore = tasksRead();
            sweeper.sweep();
            long read = tasksRead() - readBefore;

            assertThat(jdbc.sql("""
                                    SELECT count(*) FROM jobs.bulk_tasks
                                     WHERE id = ANY(:ids) AND deferred_at IS NULL
                                       AND id IN (SELECT task_id FROM jobs.task_republications)
                                    """)
                            .param("ids", new SqlArrayValue("uuid", deferred.toArray()))
                            .query(Integer.class)
                            .single())
                    .as("deferred tasks handed back to the relay")
                    .isEqualTo(100);
            assertThat(read)
                    .as("tasks read to release 100 deferred tasks, with 2,100 pending")
                    .isLessThan(1_000);
        });
    }

    @Test
    void theRepublishedTasksAreAMetricOfTheGateway() {
        String metrics = metrics();

        assertThat(metrics).contains("bulk_tasks_republished_total{application=\"api-gateway\"}");
    }

    /** The relay sent the job's queued tasks again, {@code ago}, as the last sweep asked. */
    private void sentAgainAndSweptAgo(UUID job, String ago) {
        jdbc.sql("""
                        DELETE FROM jobs.task_republications
                         WHERE task_id IN (SELECT id FROM jobs.bulk_tasks WHERE job_id = :id)
                        """).param("id", job).update();
        jdbc.sql("UPDATE jobs.bulk_jobs SET relayed_at = now() - CAST(:ago AS interval) WHERE id = :id")
                .param("id", job)
                .param("ago", ago)
                .update();
    }

    /** An unfinished job the relay sent in full {@code sentAgo}; its tasks are added after. */
    private UUID job(String sentAgo) {
        UUID id = UUID.randomUUID();
        jdbc.sql("""
                        INSERT INTO jobs.bulk_jobs (id, portfolio_id, type, status, requested_by_user_id,
                               requested_by_email, total, pending, succeeded, relay_done, relayed_at)
                        VALUES (:id, :portfolio, 'REMOVE_ACCESS', 'IN_PROGRESS', :user, 'admin@agency.test', 0, 0, 0,
                                true, now() - CAST(:ago AS interval))
                        """)
                .param("id", id)
                .param("portfolio", UUID.randomUUID())
                .param("user", UUID.randomUUID())
                .param("ago", sentAgo)
                .update();
        return id;
    }

    private UUID task(UUID job, UUID account, String status) {
        UUID id = UUID.randomUUID();
        boolean applied = !status.equals("PENDING");
        jdbc.sql("""
                        INSERT INTO jobs.bulk_tasks (id, job_id, portfolio_id, account_id, user_id, action, status,
                               applied_at)
                        SELECT :id, :job, j.portfolio_id, :account, gen_random_uuid(), 'REMOVE', :status,
                               CASE WHEN :applied THEN now() END
                          FROM jobs.bulk_jobs j WHERE j.id = :job
                        """)
                .param("id", id)
                .param("job", job)
                .param("account", account)
                .param("status", status)
                .param("applied", applied)
                .update();
        jdbc.sql("""
                        UPDATE jobs.bulk_jobs SET total = total + 1, pending = pending + CASE WHEN :applied THEN 0 ELSE 1 END,
                               succeeded = succeeded + CASE WHEN :applied THEN 1 ELSE 0 END
                         WHERE id = :job
                        """).param("job", job).param("applied", applied).update();
        return id;
    }

    /** The rows of {@code bulk_tasks} the current transaction has read so far. */
    private long tasksRead() {
        return jdbc.sql("""
                        SELECT coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0) FROM pg_stat_xact_user_tables
                         WHERE schemaname = 'jobs' AND relname = 'bulk_tasks'
                        """).query(Long.class).single();
    }

    private OffsetDateTime deferredAt(UUID task) {
        return jdbc.sql("SELECT deferred_at FROM jobs.bulk_tasks WHERE id = :id")
                .param("id", task)
                .query((row, index) -> Optional.ofNullable(row.getObject(1, OffsetDateTime.class)))
                .single()
                .orElse(null);
    }
}
