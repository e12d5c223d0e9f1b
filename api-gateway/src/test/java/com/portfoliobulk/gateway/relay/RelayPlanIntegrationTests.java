package com.portfoliobulk.gateway.relay;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.gateway.support.GatewayIntegrationTest;
import com.portfoliobulk.servicesupport.ids.TimeOrderedIds;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;
import org.springframework.jdbc.support.SqlArrayValue;

/**
 * The relay reads a job's next tasks, and checks whether any pending one is left beyond its position,
 * from the job's position on {@code bulk_tasks_by_job}, however stale the table's statistics are.
 * After a quiet spell, autovacuum's last analysis may have seen no pending task; a new large job then
 * has hundreds of thousands, and a plan that trusts those statistics read all of them from the index
 * of pending tasks by account and sorted them at every pass (932 ms a pass for a 500,000-task job,
 * which held the relay to about 5,000 tasks a second), or read the whole table. And a pass reads the
 * tasks of the jobs that can have tasks in its batch, however many jobs wait.
 */
class RelayPlanIntegrationTests extends GatewayIntegrationTest {

    private static final int TASKS = 50_000;

    private static final UUID JOB = UUID.fromString("01a23300-0000-7000-8000-00000000b1a2");

    @Autowired
    DataSource dataSource;

    @Test
    void theRelaysStatementsReadTheJobFromItsPositionEvenWhenTheStatisticsSawNoPendingTask() throws Exception {
        try (Connection db = dataSource.getConnection()) {
            db.setAutoCommit(false);
            long firstSeq;
            try (Statement statement = db.createStatement()) {
                statement.execute("""
                        INSERT INTO jobs.bulk_jobs (id, portfolio_id, type, status, requested_by_user_id,
                                                    requested_by_email, total, pending)
                        VALUES ('%s', gen_random_uuid(), 'OFFBOARD_USERS', 'IN_PROGRESS', gen_random_uuid(),
                                'plan@plan.test', %d, %d)
                        """.formatted(JOB, TASKS, TASKS));
                // A job's tasks, analyzed while none of them is pending...
                statement.execute("""
                        INSERT INTO jobs.bulk_tasks (id, job_id, portfolio_id, account_id, email, action, status)
                        SELECT gen_random_uuid(), '%s', gen_random_uuid(), gen_random_uuid(),
                               'plan' || g || '@plan.test', 'REMOVE', 'SUCCEEDED'
                          FROM generate_series(1, %d) AS g
                        """.formatted(JOB, TASKS));
                // ...with the tasks of earlier jobs, as a table in use holds: analyzed with this one job's alone
                // (or with the few large ones earlier tests leave) a job's tasks looked like the whole table.
                statement.execute("""
                        INSERT INTO jobs.bulk_tasks (id, job_id, portfolio_id, account_id, user_id, action, status)
                        SELECT gen_random_uuid(), j.id, gen_random_uuid(), gen_random_uuid(), gen_random_uuid(),
                               'REMOVE', 'SUCCEEDED'
                          FROM (SELECT gen_random_uuid() AS id FROM generate_series(1, 1000)) j,
                               generate_series(1, 10)
                        """);
                statement.execute("ANALYZE jobs.bulk_tasks");
                // ...then many of them pending (a new large job), not analyzed yet, the relay at the first.
                statement.execute("UPDATE jobs.bulk_tasks SET status = 'PENDING' WHERE job_id = '%s'".formatted(JOB));
                try (var rows = statement.executeQuery(
                        "SELECT min(seq) FROM jobs.bulk_tasks WHERE job_id = '%s'".formatted(JOB))) {
                    rows.next();
                    firstSeq = rows.getLong(1);
                }
                statement.execute(
                        "UPDATE jobs.bulk_jobs SET relayed_seq = %d WHERE id = '%s'".formatted(firstSeq, JOB));
            }
            JdbcClient jdbc = JdbcClient.create(new SingleConnectionDataSource(db, true));

            String next = explain(jdbc.sql("EXPLAIN " + Outbox.NEXT).param("limit", 5_000));
            String advance = explain(jdbc.sql("EXPLAIN " + Outbox.ADVANCE)
                    .param("jobs", new SqlArrayValue("uuid", JOB))
                    .param("seqs", new SqlArrayValue("bigint", firstSeq + 5_000))
                    .param("tasks", new SqlArrayValue("bigint", 5_000L)));
            String tidy = explain(jdbc.sql("EXPLAIN " + Outbox.TIDY_DONE));

            db.rollback();
            assertReadsTheJobFromItsPosition(next, "the next tasks", "(job_id = r.id) AND (seq > r.relayed_seq)");
            assertReadsTheJobFromItsPosition(
                    advance,
                    "whether pending tasks are left beyond the new position",
                    "(job_id = j.id) AND (seq > GREATEST(j.relayed_seq, w.seq))");
            assertReadsTheJobFromItsPosition(
                    tidy,
                    "whether pending tasks are left beyond the position",
                    "(job_id = j.id) AND (seq > j.relayed_seq)");
        }
    }

    /**
     * A pass reads the tasks of the jobs that can have tasks in its batch, not a batch's worth of every
     * waiting job. A portfolio that submitted many large jobs at once (within its rate limits: 60 jobs
     * of 200,000 tasks in a minute) made every pass read and sort 5,000 tasks of each of them, 300,000
     * to send 5,000, which slowed the relay for every portfolio. Another portfolio's small job still has
     * its tasks in the first batch, and the busy portfolio's first tasks are its oldest job's, in order.
     * The tasks read are those PostgreSQL fetched in the pass's transaction (its statistics of the
     * transaction so far, {@code pg_stat_xact_user_tables}).
     */
    @Test
    void aPassReadsTheTasksOfTheJobsThatCanBeInItsBatchNotOfEveryWaitingJob() throws Exception {
        int batchSize = 50;
        try (Connection db = dataSource.getConnection()) {
            db.setAutoCommit(false);
            JdbcClient jdbc = JdbcClient.create(new SingleConnectionDataSource(db, true));
            UUID busy = UUID.randomUUID();
            List<UUID> busyJobs = new ArrayList<>();
            for (int job = 0; job < 60; job++) {
                busyJobs.add(waitingJob(jdbc, busy, 60));
            }
            UUID small = waitingJob(jdbc, UUID.randomUUID(), 2);
            List<Long> oldestJobsTasks = jdbc.sql("SELECT seq FROM jobs.bulk_tasks WHERE job_id = ? ORDER BY seq")
                    .param(busyJobs.getFirst())
                    .query(Long.class)
                    .list();

            // Statistics that know these jobs, as autovacuum keeps them (it never sees this transaction's rows).
            jdbc.sql("ANALYZE jobs.bulk_jobs, jobs.bulk_tasks").update();
            long readBefore = tasksRead(jdbc);
            List<OutboxTask> next = new Outbox(jdbc).next(batchSize);
            long read = tasksRead(jdbc) - readBefore;
            db.rollback();

            assertThat(next)
                    .filteredOn(task -> task.message().jobId().equals(small))
                    .as("the small job's tasks, in the first batch")
                    .hasSize(2);
            assertThat(next.stream()
                            .filter(task -> task.jobPortfolioId().equals(busy))
                            .map(OutboxTask::seq)
                            .toList())
                    .as("the busy portfolio's first tasks: its oldest job's, in order")
                    .containsExactlyElementsOf(oldestJobsTasks.subList(0, batchSize - 2));
            assertThat(read)
                    .as(
                            "tasks read for a batch of %d, with 60 jobs of 60 tasks waiting (a batch's worth of each"
                                    + " is 3,000)",
                            batchSize)
                    .isLessThan(8L * batchSize);
        }
    }

    /**
     * Tasks to send again take turns by portfolio without reading every one queued: with 200,000 of one
     * portfolio's tasks queued again (swept after an outage), a pass reads a batch's worth of them and
     * another portfolio's one, which goes in the batch.
     */
    @Test
    void aPassReadsABatchOfEachPortfoliosTasksToSendAgainNotEveryOneQueued() throws Exception {
        int batchSize = 5_000;
        try (Connection db = dataSource.getConnection()) {
            db.setAutoCommit(false);
            JdbcClient jdbc = JdbcClient.create(new SingleConnectionDataSource(db, true));
            UUID busy = UUID.randomUUID();
            UUID busyJob = waitingJob(jdbc, busy, 200_000);
            UUID small = waitingJob(jdbc, UUID.randomUUID(), 1);
            jdbc.sql(
                            "UPDATE jobs.bulk_jobs SET relay_done = true, relayed_seq = 9223372036854775807 WHERE id IN (?, ?)")
                    .params(busyJob, small)
                    .update();
            jdbc.sql("""
                            INSERT INTO jobs.task_republications (task_id, seq, portfolio_id)
                            SELECT id, seq, portfolio_id FROM jobs.bulk_tasks WHERE job_id IN (?, ?) ORDER BY seq
                            """).params(busyJob, small).update();
            List<Long> busyFirst = jdbc.sql("SELECT seq FROM jobs.bulk_tasks WHERE job_id = ? ORDER BY seq LIMIT ?")
                    .params(busyJob, batchSize - 1)
                    .query(Long.class)
                    .list();

            jdbc.sql("ANALYZE jobs.bulk_jobs, jobs.bulk_tasks, jobs.task_republications")
                    .update();
            long queueReadBefore = rowsRead(jdbc, "task_republications");
            long tasksReadBefore = tasksRead(jdbc);
            List<OutboxTask> next = new Outbox(jdbc).next(batchSize);
            long queueRead = rowsRead(jdbc, "task_republications") - queueReadBefore;
            long tasksRead = tasksRead(jdbc) - tasksReadBefore;
            db.rollback();

            assertThat(next)
                    .filteredOn(task -> task.message().jobId().equals(small))
                    .as("the other portfolio's task, in the first batch")
                    .hasSize(1);
            assertThat(next.stream()
                            .filter(task -> task.jobPortfolioId().equals(busy))
                            .map(OutboxTask::seq)
                            .toList())
                    .as("the busy portfolio's first tasks, in order")
                    .containsExactlyElementsOf(busyFirst);
            assertThat(queueRead)
                    .as("queued rows read for a batch of %d, 200,001 queued", batchSize)
                    .isLessThan(2L * batchSize);
            assertThat(tasksRead).as("tasks read").isLessThan(2L * batchSize);
        }
    }

    /** The rows of the {@code jobs} table the current transaction has read so far. */
    private static long rowsRead(JdbcClient jdbc, String table) {
        return jdbc.sql("""
                        SELECT coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0) FROM pg_stat_xact_user_tables
                         WHERE schemaname = 'jobs' AND relname = ?
                        """).param(table).query(Long.class).single();
    }

    /** A job of {@code tasks} tasks stored as a submission stores it, none sent yet. */
    private static UUID waitingJob(JdbcClient jdbc, UUID portfolioId, int tasks) {
        UUID jobId = TimeOrderedIds.next();
        jdbc.sql("""
                        INSERT INTO jobs.bulk_jobs (id, portfolio_id, type, status, requested_by_user_id,
                                                    requested_by_email, total, pending)
                        VALUES (:id, :portfolio, 'OFFBOARD_USERS', 'QUEUED', gen_random_uuid(), 'plan@plan.test',
                                :tasks, :tasks)
                        """)
                .param("id", jobId)
                .param("portfolio", portfolioId)
                .param("tasks", tasks)
                .update();
        jdbc.sql("""
                        INSERT INTO jobs.bulk_tasks (id, job_id, portfolio_id, account_id, user_id, action)
                        SELECT gen_random_uuid(), :id, :portfolio, gen_random_uuid(), gen_random_uuid(), 'REMOVE'
                          FROM generate_series(1, :tasks)
                        """)
                .param("id", jobId)
                .param("portfolio", portfolioId)
                .param("tasks", tasks)
                .update();
        return jobId;
    }

    /** The rows of {@code bulk_tasks} the current transaction has read so far. */
    private static long tasksRead(JdbcClient jdbc) {
        return jdbc.sql("""
                        SELECT coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0) FROM pg_stat_xact_user_tables
                         WHERE schemaname = 'jobs' AND relname = 'bulk_tasks'
                        """).query(Long.class).single();
    }

    private static void assertReadsTheJobFromItsPosition(String plan, String what, String range) {
        assertThat(plan)
                .as(what + " are read from the job's position:%n%s", plan)
                // An index scan, or a bitmap scan of the index and a sort: both start at the position.
                .containsPattern("(Index Scan using|Bitmap Index Scan on) bulk_tasks_by_job ")
                .contains("Index Cond: (" + range + ")")
                .doesNotContain("bulk_tasks_pending_by_account")
                .doesNotContain("Seq Scan on bulk_tasks");
    }

    private static String explain(JdbcClient.StatementSpec statement) {
        return statement.query(String.class).list().stream().collect(Collectors.joining("\n"));
    }
}
