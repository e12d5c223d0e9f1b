package com.portfoliobulk.worker.apply;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.worker.WorkerIntegrationSupport;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
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
 * The worker stores a batch's outcomes, and looks for the earlier pending tasks of a batch's accounts,
 * without reading every pending task, however stale the table's statistics are. After a quiet spell,
 * autovacuum's last analysis may have seen no pending task; a new large job then has hundreds of
 * thousands, and a plan that trusts those statistics reads all of them for every batch (or, for the
 * order check, for every account of it).
 */
class StoredOutcomesPlanIntegrationTests extends WorkerIntegrationSupport {

    private static final int TASKS = 50_000;

    private static final int BATCH = 2_000;

    @Autowired
    DataSource dataSource;

    @Test
    void outcomesAreStoredByPrimaryKeyEvenWhenTheStatisticsSawNoPendingTask() throws Exception {
        try (Connection db = dataSource.getConnection()) {
            pendingTasksTheStatisticsDoNotKnow(db);
            List<UUID> batch = new ArrayList<>();
            try (Statement statement = db.createStatement();
                    ResultSet rows = statement.executeQuery("""
                            SELECT id FROM jobs.bulk_tasks
                             WHERE job_id = '00000000-0000-4000-8000-00000000a11e' AND status = 'PENDING'
                             LIMIT %d
                            """.formatted(BATCH))) {
                while (rows.next()) {
                    batch.add(rows.getObject(1, UUID.class));
                }
            }
            assertThat(batch).hasSize(BATCH);

            String plan = explain(db, batch);

            db.rollback();
            // With the pending check answered from this index, the plan reads every pending task into a
            // hash join (the statistics promise one). Without it, a large table's tasks are found by
            // primary key; this small one may be read whole, which stays cheap.
            assertThat(plan)
                    .as("the batch's tasks are not looked for among all pending tasks")
                    .doesNotContain("bulk_tasks_pending_by_account");
        }
    }

    @Test
    void earlierPendingTasksAreLookedUpByAccountEvenWhenTheStatisticsSawNoPendingTask() throws Exception {
        try (Connection db = dataSource.getConnection()) {
            pendingTasksTheStatisticsDoNotKnow(db);
            List<UUID> batch = new ArrayList<>();
            List<UUID> accounts = new ArrayList<>();
            List<UUID> portfolios = new ArrayList<>();
            List<Long> lastSeqs = new ArrayList<>();
            try (Statement statement = db.createStatement();
                    ResultSet rows = statement.executeQuery("""
                            SELECT id, account_id, portfolio_id, seq FROM jobs.bulk_tasks
                             WHERE job_id = '00000000-0000-4000-8000-00000000a11e' AND status = 'PENDING'
                             LIMIT %d
                            """.formatted(BATCH))) {
                while (rows.next()) {
                    batch.add(rows.getObject(1, UUID.class));
                    accounts.add(rows.getObject(2, UUID.class));
                    portfolios.add(rows.getObject(3, UUID.class));
                    lastSeqs.add(rows.getLong(4));
                }
            }

            String plan = plan(on(db).sql("EXPLAIN " + TaskStore.EARLIER_PENDING)
                    .param("accounts", new SqlArrayValue("uuid", accounts.toArray()))
                    .param("portfolios", new SqlArrayValue("uuid", portfolios.toArray()))
                    .param("lastSeqs", new SqlArrayValue("bigint", lastSeqs.toArray()))
                    .param("batch", new SqlArrayValue("uuid", batch.toArray())));

            db.rollback();
            // Any other index of pending tasks would look as cheap under these statistics: an index of
            // them by job, read whole for each account of a batch, held a 500,000-task job at a standstill.
            assertThat(plan)
                    .as("each account's earlier pending tasks of its portfolio are one range of the index by account")
                    .contains("Index Scan using bulk_tasks_pending_by_account on bulk_tasks t")
                    .contains("Index Cond: ((account_id = a.account_id) AND (portfolio_id = a.portfolio_id)"
                            + " AND (seq < a.last_seq))");
        }
    }

    /**
     * Leaves the connection in a transaction (to be rolled back) where the statistics of {@code
     * jobs.bulk_tasks} saw none of a job's tasks pending, and then 11,111 of them became pending.
     */
    private static void pendingTasksTheStatisticsDoNotKnow(Connection db) throws Exception {
        db.setAutoCommit(false);
        try (Statement statement = db.createStatement()) {
            // A finished job's tasks, analyzed while none of them is pending...
            statement.execute("""
                    INSERT INTO jobs.bulk_tasks (id, job_id, portfolio_id, account_id, email, action, status)
                    SELECT gen_random_uuid(), '00000000-0000-4000-8000-00000000a11e', gen_random_uuid(),
                           gen_random_uuid(), 'plan' || g || '@plan.test', 'REMOVE', 'SUCCEEDED'
                      FROM generate_series(1, %d) AS g
                    """.formatted(TASKS));
            statement.execute("ANALYZE jobs.bulk_tasks");
            // ...then a new job's many pending tasks, not analyzed yet.
            statement.execute("""
                    UPDATE jobs.bulk_tasks SET status = 'PENDING'
                     WHERE job_id = '00000000-0000-4000-8000-00000000a11e' AND email LIKE 'plan1%'
                    """);
        }
    }

    /** The plan of {@link TaskStore#STORE_OUTCOMES} for the batch, every task succeeded. */
    private static String explain(Connection db, List<UUID> batch) {
        String[] succeeded = new String[batch.size()];
        String[] now = new String[batch.size()];
        Arrays.fill(succeeded, "SUCCEEDED");
        Arrays.fill(now, "2026-01-01T00:00:00Z");
        String[] none = new String[batch.size()];
        return plan(on(db).sql("EXPLAIN " + TaskStore.STORE_OUTCOMES)
                .param("ids", new SqlArrayValue("uuid", batch.toArray()))
                .param("statuses", new SqlArrayValue("text", (Object[]) succeeded))
                .param("reasons", new SqlArrayValue("text", (Object[]) none))
                .param("errors", new SqlArrayValue("text", (Object[]) none))
                .param("previousRoles", new SqlArrayValue("text", (Object[]) none))
                .param("userIds", new SqlArrayValue("uuid", new Object[batch.size()]))
                .param("appliedAts", new SqlArrayValue("text", (Object[]) now)));
    }

    /** Statements on the test's own connection, inside its transaction. */
    private static JdbcClient on(Connection db) {
        return JdbcClient.create(new SingleConnectionDataSource(db, true));
    }

    /** The lines of an {@code EXPLAIN}, as one text. */
    private static String plan(JdbcClient.StatementSpec explain) {
        return explain.query(String.class).list().stream().collect(Collectors.joining("\n"));
    }
}
