package com.portfoliobulk.gateway.relay;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.contracts.Actor;
import com.portfoliobulk.contracts.BulkTaskMessage;
import com.portfoliobulk.contracts.JobOrigin;
import com.portfoliobulk.contracts.TaskAction;
import com.portfoliobulk.contracts.UserRef;
import com.portfoliobulk.servicesupport.jdbc.PostgresArrays;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * The outbox is {@code jobs.bulk_tasks} itself, read through one position per job: a job's pending
 * tasks beyond its {@code relayed_seq} wait for the relay until it is {@code relay_done}. Tasks to send
 * again (released after a deferral, swept as stuck) wait in {@code jobs.task_republications}. Sending
 * a batch costs the database one update per job, not one per task.
 */
@Repository
class Outbox {

    private static final String COLUMNS = """
            t.id, t.seq, t.job_id, t.portfolio_id, t.account_id, t.user_id, t.email, t.action, t.role,
            t.language, t.expires_at, t.status""";

    /**
     * The next tasks, from the jobs not yet sent in full and from the republications, with the jobs'
     * requester. Portfolios (of the tasks' jobs) take turns: each portfolio's first waiting task, then
     * each one's second, and so on, so that a small job does not wait for the whole of another
     * portfolio's large job submitted before it. Within a portfolio the tasks go in seq order (the order submitted), which
     * keeps each account's order (an account is in one portfolio at a time; the worker defers a task
     * that arrives before an earlier one of its account, should the account have moved), and takes
     * each job's tasks from its position on, as {@link #markSent} expects.
     *
     * <p>Only the jobs that can have a task among their portfolio's first {@code :limit} are read
     * ({@code chosen}): a portfolio's jobs in the order of their last task, each with the tasks it has
     * beyond its position ({@code total - relayed_tasks}, the tasks the relay has not gone past), until
     * they add up to {@code :limit} at a job's last task; a job whose next task comes after that one has
     * at least {@code :limit} of its portfolio's tasks before it, and waits. Two jobs submitted at the
     * same time may have their tasks' seqs interleaved; such a job's next task comes before the last of
     * the others', and it is read. So a portfolio that submitted many large jobs costs a pass the tasks
     * of one or two of them, not {@code :limit} tasks of each waiting job (sorted with the others':
     * 300,000 tasks for 60 waiting jobs, where the batch takes 5,000). Each job's next and last task
     * are one row each of {@code bulk_tasks_by_job}.
     *
     * <p>A job's tasks are read from its position on {@code bulk_tasks_by_job} without
     * asking for their status: beyond the position they are pending until sent, and one that ended
     * meanwhile is passed by the position without being sent, as a republished one is. Asked for pending
     * tasks, PostgreSQL would weigh that against reading all of them from an index of pending tasks, and
     * statistics gathered while none was pending make that look cheap (jobs migration V140).
     *
     * <p>Tasks to send again take the same turns: the portfolios that have some are found one index
     * probe each ({@code resending}, a skip scan of {@code task_republications_by_portfolio}), and
     * each one's first {@code :limit} are read in seq order, a range of that index; those queued
     * without a portfolio (by a service of an earlier version) are read as one more portfolio. Read in
     * seq order across portfolios, one portfolio's 200,000 re-sends held another's one re-send back
     * until all of them were sent. Each one's task is then looked up by primary key ({@code OFFSET 0}
     * keeps it a lookup per row: as a join, estimated at a batch per possible portfolio, PostgreSQL
     * hashed the whole task table, 200,000 rows read for a batch of 5,000).
     */
    static final String NEXT = """
            WITH RECURSIVE waiting AS (
                SELECT r.id, r.portfolio_id, r.relayed_seq, next_task.seq AS next_seq, last_task.seq AS last_seq,
                       sum(r.total - r.relayed_tasks) OVER (PARTITION BY r.portfolio_id ORDER BY last_task.seq)
                           AS waiting_through_last
                  FROM jobs.bulk_jobs r
                 CROSS JOIN LATERAL (
                       SELECT t.seq FROM jobs.bulk_tasks t
                        WHERE t.job_id = r.id AND t.seq > r.relayed_seq
                        ORDER BY t.seq
                        LIMIT 1) next_task
                 CROSS JOIN LATERAL (
                       SELECT t.seq FROM jobs.bulk_tasks t
                        WHERE t.job_id = r.id
                        ORDER BY t.seq DESC
                        LIMIT 1) last_task
                 WHERE NOT r.relay_done
            ), chosen AS (
                SELECT w.id, w.relayed_seq
                  FROM (SELECT waiting.*,
                               min(last_seq) FILTER (WHERE waiting_through_last >= :limit)
                                   OVER (PARTITION BY portfolio_id) AS cutoff
                          FROM waiting) w
                 WHERE w.cutoff IS NULL OR w.next_seq <= w.cutoff
            ), resending AS (
                (SELECT portfolio_id FROM jobs.task_republications
                  WHERE portfolio_id IS NOT NULL
                  ORDER BY portfolio_id
                  LIMIT 1)
                UNION ALL
                SELECT (SELECT r.portfolio_id FROM jobs.task_republications r
                         WHERE r.portfolio_id > p.portfolio_id
                         ORDER BY r.portfolio_id
                         LIMIT 1)
                  FROM resending p
                 WHERE p.portfolio_id IS NOT NULL
            )
            SELECT q.*
              FROM (SELECT w.*, j.requested_by_user_id, j.requested_by_email, j.origin, j.created_at AS requested_at,
                           j.trace_parent, j.portfolio_id AS job_portfolio_id,
                           row_number() OVER (PARTITION BY j.portfolio_id ORDER BY w.seq) AS turn
              FROM (SELECT %1$s, NULL::bigint AS republication
                      FROM chosen r
                     CROSS JOIN LATERAL (
                           SELECT * FROM jobs.bulk_tasks t
                            WHERE t.job_id = r.id AND t.seq > r.relayed_seq
                            ORDER BY t.seq
                            LIMIT :limit) t
                    UNION ALL
                    SELECT %1$s, p.id
                      FROM (SELECT q.id, q.task_id
                              FROM resending rp
                             CROSS JOIN LATERAL (
                                   SELECT r.id, r.task_id FROM jobs.task_republications r
                                    WHERE r.portfolio_id = rp.portfolio_id
                                    ORDER BY r.seq
                                    LIMIT :limit) q
                            UNION ALL
                            (SELECT id, task_id FROM jobs.task_republications
                              WHERE portfolio_id IS NULL
                              ORDER BY seq
                              LIMIT :limit)) p
                     CROSS JOIN LATERAL (
                           SELECT * FROM jobs.bulk_tasks t WHERE t.id = p.task_id OFFSET 0) t) w
              JOIN jobs.bulk_jobs j ON j.id = w.job_id) q
             ORDER BY q.turn, q.seq
             LIMIT :limit
            """.formatted(COLUMNS);

    /**
     * Moves the jobs' positions (never back), counts the tasks they passed (sent, or ended before the
     * relay reached them, which the count of tasks in flight then sees as ended), and marks a job done
     * when no pending task is left beyond its position. The job rows are locked in id order, the
     * order in which a worker batch locks them.
     */
    static final String ADVANCE = """
            WITH locked AS (
                SELECT id FROM jobs.bulk_jobs WHERE id = ANY(:jobs) ORDER BY id FOR UPDATE)
            UPDATE jobs.bulk_jobs j
               SET relayed_seq = greatest(j.relayed_seq, w.seq),
                   relayed_tasks = j.relayed_tasks + w.tasks,
                   relayed_at = now(),
                   relay_done = j.relay_done OR NOT EXISTS (
                       SELECT 1 FROM jobs.bulk_tasks t
                        WHERE t.job_id = j.id AND t.status = 'PENDING' AND t.seq > greatest(j.relayed_seq, w.seq))
              FROM unnest(:jobs, :seqs, :tasks) AS w(job_id, seq, tasks), locked
             WHERE j.id = w.job_id AND locked.id = w.job_id
            """;

    /**
     * Marks done the jobs with no pending task left beyond their position, each job's check one read of
     * {@code bulk_tasks_by_job} from its position ({@code OFFSET 0} keeps it a check per job: as a join,
     * statistics gathered while no task was pending made it read the whole table).
     */
    static final String TIDY_DONE = """
            UPDATE jobs.bulk_jobs j SET relay_done = true
             WHERE NOT j.relay_done
               AND NOT EXISTS (
                   SELECT 1 FROM jobs.bulk_tasks t
                    WHERE t.job_id = j.id AND t.status = 'PENDING' AND t.seq > j.relayed_seq
                   OFFSET 0)
            """;

    private static final Comparator<OutboxTask> BY_PORTFOLIO_THEN_SEQ =
            Comparator.comparing(OutboxTask::jobPortfolioId).thenComparingLong(OutboxTask::seq);

    private final JdbcClient jdbc;

    Outbox(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * Takes the relay's lock for the current transaction, if no other relay (of any gateway instance)
     * holds it; it is released when the transaction ends. From then on the transaction may stand idle
     * (while the broker acknowledges a batch) for {@code idle} at most before PostgreSQL ends it: a
     * gateway frozen in the middle of a pass, its connections still open, gives the relay up then.
     */
    boolean tryLock(long lockKey, Duration idle) {
        return jdbc.sql("""
                        SELECT pg_try_advisory_xact_lock(:key) AS locked,
                               set_config('idle_in_transaction_session_timeout', :idleMillis, true)
                        """)
                .param("key", lockKey)
                .param("idleMillis", Long.toString(idle.toMillis()))
                .query((row, number) -> row.getBoolean("locked"))
                .single();
    }

    /**
     * The next tasks to send, at most {@code limit}: chosen with portfolios taking turns ({@link #NEXT}),
     * and sent by portfolio, each portfolio's in seq order. Sent as chosen, the tasks of two portfolios'
     * jobs would alternate, and each task would be a run of its own for the relay's sends (a trace
     * observation, a log line each: {@code TracedSends}).
     */
    List<OutboxTask> next(int limit) {
        List<OutboxTask> batch = new ArrayList<>(
                jdbc.sql(NEXT).param("limit", limit).query(Outbox::task).list());
        batch.sort(BY_PORTFOLIO_THEN_SEQ);
        return batch;
    }

    /**
     * Records a sent batch: each job's position moves to its last task in the batch, and the
     * republications sent are deleted. Jobs with only republished tasks in the batch keep their
     * position; their {@code relayed_at} moves all the same.
     */
    void markSent(List<OutboxTask> batch) {
        Map<UUID, Long> positions = new TreeMap<>();
        Map<UUID, Long> sentFromPosition = new TreeMap<>();
        List<Long> republications = new ArrayList<>();
        for (OutboxTask task : batch) {
            boolean republished = task.republication() != null;
            positions.merge(task.message().jobId(), republished ? 0L : task.seq(), Math::max);
            sentFromPosition.merge(task.message().jobId(), republished ? 0L : 1L, Long::sum);
            if (republished) {
                republications.add(task.republication());
            }
        }
        jdbc.sql(ADVANCE)
                .param("jobs", PostgresArrays.uuids(positions.keySet()))
                .param("seqs", PostgresArrays.longs(positions.values()))
                .param("tasks", PostgresArrays.longs(sentFromPosition.values()))
                .update();
        if (!republications.isEmpty()) {
            jdbc.sql("DELETE FROM jobs.task_republications WHERE id = ANY(:ids)")
                    .param("ids", PostgresArrays.longs(republications))
                    .update();
        }
    }

    /**
     * Tidies up on an idle pass: marks done the jobs that have no pending task left beyond their
     * position although no batch said so (a job without tasks, or one whose last pending tasks ended
     * before the relay reached them), and deletes republications whose task is gone (its job was
     * deleted before the relay sent it again), which would otherwise be read first on every pass.
     */
    void tidy() {
        jdbc.sql(TIDY_DONE).update();
        jdbc.sql("""
                        DELETE FROM jobs.task_republications r
                         WHERE NOT EXISTS (SELECT 1 FROM jobs.bulk_tasks t WHERE t.id = r.task_id)
                        """).update();
    }

    /**
     * How many tasks were sent and have not ended yet, over the unfinished jobs: each job's sent tasks
     * less its ended ones (tasks cancelled before they were sent make a job's figure low, never below
     * zero).
     */
    long inFlight() {
        return jdbc.sql("""
                        SELECT coalesce(sum(greatest(0, relayed_tasks - (total - pending))), 0)
                          FROM jobs.bulk_jobs
                         WHERE status IN ('QUEUED', 'IN_PROGRESS')
                        """).query(Long.class).single();
    }

    /**
     * How many tasks wait to be published: of each unfinished job not yet sent in full, its tasks less
     * those sent, and the republications. One row per job, not per task: during a large job, counting
     * its unsent tasks read hundreds of thousands of rows at every scrape. A task of a running job
     * that ends without being sent is counted until the relay finds nothing left to send of the job,
     * and so are the tasks a job running when jobs migration V130 ran had sent before it.
     */
    long backlog() {
        return jdbc.sql("""
                        SELECT (SELECT coalesce(sum(greatest(0, total - relayed_tasks)), 0) FROM jobs.bulk_jobs
                                 WHERE status IN ('QUEUED', 'IN_PROGRESS') AND NOT relay_done)
                             + (SELECT count(*) FROM jobs.task_republications)
                        """).query(Long.class).single();
    }

    private static OutboxTask task(ResultSet row, int rowNumber) throws SQLException {
        String role = row.getString("role");
        BulkTaskMessage message = new BulkTaskMessage(
                BulkTaskMessage.VERSION,
                row.getObject("id", UUID.class),
                row.getObject("job_id", UUID.class),
                row.getObject("portfolio_id", UUID.class),
                row.getObject("account_id", UUID.class),
                TaskAction.valueOf(row.getString("action")),
                new UserRef(row.getObject("user_id", UUID.class), row.getString("email")),
                role == null ? null : new AccountRole(role),
                row.getString("language"),
                instant(row, "expires_at"),
                Actor.of(
                        row.getObject("requested_by_user_id", UUID.class),
                        row.getString("requested_by_email"),
                        JobOrigin.valueOf(row.getString("origin"))),
                instant(row, "requested_at"));
        return new OutboxTask(
                message.taskId(),
                row.getLong("seq"),
                row.getObject("republication", Long.class),
                "PENDING".equals(row.getString("status")),
                message,
                row.getString("trace_parent"),
                row.getObject("job_portfolio_id", UUID.class));
    }

    private static Instant instant(ResultSet row, String column) throws SQLException {
        OffsetDateTime value = row.getObject(column, OffsetDateTime.class);
        return value == null ? null : value.toInstant();
    }
}
