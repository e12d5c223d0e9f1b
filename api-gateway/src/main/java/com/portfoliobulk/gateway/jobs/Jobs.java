package com.portfoliobulk.gateway.jobs;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.contracts.Actor;
import com.portfoliobulk.contracts.ActorKind;
import com.portfoliobulk.contracts.JobOrigin;
import com.portfoliobulk.contracts.JobStatus;
import com.portfoliobulk.contracts.JobType;
import com.portfoliobulk.contracts.TaskAction;
import com.portfoliobulk.contracts.TaskStatus;
import com.portfoliobulk.servicesupport.jdbc.PostgresArrays;
import com.portfoliobulk.servicesupport.tracing.TraceContexts;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import org.springframework.util.unit.DataSize;

/**
 * The set-based SQL of {@code jobs.bulk_jobs} and the reads of {@code jobs.bulk_tasks}: the job's
 * insert and counter moves, the keyset-paged job list, the task pages (each read with its job) and
 * export, and the status poll's read of one job ({@link #findForStatus}). Other reads of one job go
 * through {@link JobRepository}.
 */
@Repository
class Jobs {

    private static final String JOB_COLUMNS = """
            id, portfolio_id, type, status, requested_by_user_id, requested_by_email, created_at, started_at,
            completed_at, total, pending, succeeded, skipped, failed, cancelled, version, origin
            """;

    private static final String TASK_COLUMNS = """
            id, seq, account_id, user_id, email, action, previous_role, role, status, reason, error, attempts,
            applied_at
            """;

    /** How many tasks a download reads at a time. */
    static final int DOWNLOAD_PAGE = 2_000;

    private final JdbcClient jdbc;

    Jobs(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * Limits how long statements of the current transaction wait for a lock; a longer wait fails with
     * {@link org.springframework.dao.CannotAcquireLockException}.
     */
    void setLockTimeout(Duration timeout) {
        jdbc.sql("SELECT set_config('lock_timeout', :timeout, true)")
                .param("timeout", timeout.toMillis() + "ms")
                .query()
                .singleValue();
    }

    /**
     * Lets the current transaction sort a large job's plan in memory (the session default of a few
     * megabytes would spill a 100,000-task plan to disk), in whole kilobytes, rounded down: PostgreSQL's
     * units are case-sensitive, and it reads a bare number as kilobytes.
     */
    void setSortMemory(DataSize workMem) {
        jdbc.sql("SELECT set_config('work_mem', :workMem, true)")
                .param("workMem", workMem.toKilobytes() + "kB")
                .query()
                .singleValue();
    }

    /** Inserts a new {@code QUEUED} job of {@code total} pending tasks. */
    void insert(UUID jobId, UUID portfolioId, JobType type, Actor requestedBy, JobOrigin origin, long total) {
        jdbc.sql("""
                        INSERT INTO jobs.bulk_jobs
                            (id, portfolio_id, type, status, requested_by_user_id, requested_by_email, total, pending,
                             trace_parent, origin)
                        VALUES (:id, :portfolioId, :type, 'QUEUED', :userId, :email, :total, :total, :traceParent, :origin)
                        """)
                .param("id", jobId)
                .param("portfolioId", portfolioId)
                .param("type", type.name())
                .param("userId", requestedBy.userId())
                .param("email", requestedBy.email())
                .param("total", Math.toIntExact(total))
                // The submission's trace context, which the relay continues when it publishes the tasks.
                .param("traceParent", TraceContexts.current())
                .param("origin", origin.name())
                .update();
    }

    /** Corrects the task count of a job being created, when the directory changed since it was counted. */
    void setTotal(UUID jobId, long total) {
        jdbc.sql("UPDATE jobs.bulk_jobs SET total = :total, pending = :total, version = version + 1 WHERE id = :id")
                .param("id", jobId)
                .param("total", Math.toIntExact(total))
                .update();
    }

    /**
     * The job, if it is one of the portfolio's: the status poll's read. Every other read of one job
     * goes through {@link JobRepository}; this one stays hand-mapped SQL because polls are the
     * gateway's most frequent request. Both are the same one statement by primary key, but the
     * repository costs the gateway more time per read: measured side by side, 10,000 reads each, the
     * derived {@code findByIdAndPortfolioId} (which renders its SQL on every call) took three to four
     * times as long as this statement, and even a {@code @Query} with this SQL (the row mapped by
     * reflection) took 10 to 40 % longer.
     */
    Optional<Job> findForStatus(UUID portfolioId, UUID jobId) {
        return jdbc.sql("SELECT " + JOB_COLUMNS + " FROM jobs.bulk_jobs WHERE id = :id AND portfolio_id = :portfolioId")
                .param("id", jobId)
                .param("portfolioId", portfolioId)
                .query(Jobs::job)
                .optional();
    }

    /** The jobs with these ids, for the status cache's refresh of the jobs being polled. */
    List<Job> findForStatus(Collection<UUID> jobIds) {
        return jdbc.sql("SELECT " + JOB_COLUMNS + " FROM jobs.bulk_jobs WHERE id = ANY(:ids)")
                .param("ids", PostgresArrays.uuids(jobIds))
                .query(Jobs::job)
                .list();
    }

    /**
     * The portfolio's jobs, newest first, after the position {@code (createdAt, id)} when given.
     * Answers up to {@code limit + 1} rows so the caller knows whether there is a next page.
     *
     * <p>{@code created_at} is the start of the submission's transaction, so a large job, committed
     * seconds later, comes below a job submitted and committed meanwhile (README says so, and how to see
     * every job). It stays that time on purpose: the invitations' {@code expires_at} is counted from it
     * in the same transaction, which the worker relies on to tell how late it applies one, and the
     * benchmark's figures count from it.
     */
    List<Job> list(UUID portfolioId, JobStatus status, JobType type, Instant afterCreatedAt, UUID afterId, int limit) {
        Map<String, Object> params = new HashMap<>();
        params.put("portfolioId", portfolioId);
        params.put("fetch", limit + 1);
        StringBuilder where = new StringBuilder("portfolio_id = :portfolioId");
        if (status != null) {
            where.append(" AND status = :status");
            params.put("status", status.name());
        }
        if (type != null) {
            where.append(" AND type = :type");
            params.put("type", type.name());
        }
        if (afterId != null) {
            where.append(" AND (created_at, id) < (:afterCreatedAt, :afterId)");
            params.put("afterCreatedAt", afterCreatedAt.atOffset(ZoneOffset.UTC));
            params.put("afterId", afterId);
        }
        return jdbc.sql("SELECT " + JOB_COLUMNS + " FROM jobs.bulk_jobs WHERE " + where
                        + " ORDER BY created_at DESC, id DESC LIMIT :fetch")
                .params(params)
                .query(Jobs::job)
                .list();
    }

    /** Up to {@code limit + 1} of the job's tasks matching the filter, in task order after {@code afterSeq}. */
    List<TaskRow> tasks(UUID jobId, TaskFilter filter, long afterSeq, int limit) {
        Map<String, Object> params = taskParams(jobId, filter);
        params.put("afterSeq", afterSeq);
        params.put("fetch", limit + 1);
        return jdbc.sql(taskPageSql(filter))
                .params(params)
                .query((row, n) -> new TaskRow(row.getLong("seq"), task(row)))
                .list();
    }

    /** The statement of {@link #tasks}: its parameters are jobId, those of the filter, afterSeq and fetch. */
    static String taskPageSql(TaskFilter filter) {
        return "SELECT " + TASK_COLUMNS + " FROM jobs.bulk_tasks WHERE " + taskConditions(filter)
                + " AND seq > :afterSeq ORDER BY seq LIMIT :fetch";
    }

    /**
     * A page of the task list: up to {@code limit + 1} of the job's tasks matching the filter, in task
     * order after {@code afterSeq}, read in one statement with the job, so in one snapshot; empty when
     * the job is not one of the portfolio's. The retention sweep deletes a job before its tasks, so a
     * page that finds its job finds all its tasks, and a job deleted before the page is read is not
     * found, never a short last page. A job with no pending task left has none to list for {@code
     * status=PENDING}, which is not read then (a task never becomes pending again).
     */
    Optional<List<TaskRow>> taskPage(UUID portfolioId, UUID jobId, TaskFilter filter, long afterSeq, int limit) {
        Map<String, Object> params = taskParams(jobId, filter);
        params.put("portfolioId", portfolioId);
        params.put("afterSeq", afterSeq);
        params.put("fetch", limit + 1);
        List<Optional<TaskRow>> rows = jdbc.sql(jobTaskPageSql(filter))
                .params(params)
                // A job with no task on this page comes as one row without a task.
                .query((row, n) -> row.getObject("id") == null
                        ? Optional.<TaskRow>empty()
                        : Optional.of(new TaskRow(row.getLong("seq"), task(row))))
                .list();
        if (rows.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(rows.stream().flatMap(Optional::stream).toList());
    }

    /**
     * The statement of {@link #taskPage}: its parameters are jobId, portfolioId, those of the filter,
     * afterSeq and fetch. The tasks are those of {@link #taskPageSql}.
     */
    static String jobTaskPageSql(TaskFilter filter) {
        return "SELECT t.* FROM jobs.bulk_jobs j LEFT JOIN LATERAL (SELECT " + TASK_COLUMNS
                + " FROM jobs.bulk_tasks WHERE " + taskConditions(filter)
                + (filter.status() == TaskStatus.PENDING ? " AND j.pending > 0" : "")
                + " AND seq > :afterSeq ORDER BY seq LIMIT :fetch) t ON true"
                + " WHERE j.id = :jobId AND j.portfolio_id = :portfolioId ORDER BY t.seq";
    }

    /**
     * Hands every task of the job matching the filter to {@code action}, in task order, {@value
     * #DOWNLOAD_PAGE} in memory at a time. Each page is one short statement of its own, run outside any
     * transaction: a client that reads the download slowly holds no database connection and no snapshot
     * while {@code action} writes to it. Each task comes once (the pages follow the task order), each as
     * its page found it.
     */
    void forEachTask(UUID jobId, TaskFilter filter, Consumer<TaskView> action) {
        long afterSeq = 0;
        List<TaskRow> page;
        do {
            page = tasks(jobId, filter, afterSeq, DOWNLOAD_PAGE - 1);
            page.forEach(row -> action.accept(row.task()));
            if (!page.isEmpty()) {
                afterSeq = page.getLast().seq();
            }
        } while (page.size() == DOWNLOAD_PAGE);
    }

    /**
     * Cancels the job's pending tasks (a conditional update: tasks being applied are not touched). The
     * rows are locked in id order first, the order in which the worker locks the tasks of a batch, so
     * a cancellation and a worker batch wait for each other but never deadlock; a task the worker
     * finishes meanwhile is re-checked under its lock and stays as the worker left it.
     */
    int cancelPendingTasks(UUID jobId) {
        return jdbc.sql("""
                        UPDATE jobs.bulk_tasks SET status = 'CANCELLED', reason = 'JOB_CANCELLED'
                        WHERE id IN (SELECT id FROM jobs.bulk_tasks
                                      WHERE job_id = :jobId AND status = 'PENDING'
                                      ORDER BY id
                                        FOR UPDATE)
                          AND status = 'PENDING'
                        """).param("jobId", jobId).update();
    }

    /**
     * Locks, until the transaction ends, the pending tasks of {@code jobIds} in task id order, then the
     * jobs' rows in job id order: the order in which a worker's batch takes them (its tasks, of any
     * number of jobs, by task id, then their jobs by job id) and the relay takes the jobs whose tasks it
     * sent (by job id). A transaction that cancels several jobs and holds every lock until it commits
     * takes them all this way first; cancelled one after another, it would hold one job's tasks and row
     * while it waited for the next one's, and a worker or relay holding those and waiting for the first
     * would deadlock with it.
     */
    void lockForCancellation(List<UUID> jobIds) {
        jdbc.sql("""
                        SELECT count(*) FROM (
                            SELECT id FROM jobs.bulk_tasks
                             WHERE job_id = ANY(:jobs) AND status = 'PENDING'
                             ORDER BY id
                               FOR UPDATE) locked_tasks
                        """)
                .param("jobs", PostgresArrays.uuids(jobIds))
                .query(Long.class)
                .single();
        jdbc.sql("""
                        SELECT count(*) FROM (
                            SELECT id FROM jobs.bulk_jobs WHERE id = ANY(:jobs) ORDER BY id FOR UPDATE) locked_jobs
                        """)
                .param("jobs", PostgresArrays.uuids(jobIds))
                .query(Long.class)
                .single();
    }

    /**
     * The portfolio's jobs that the user submitted (through the API or the console, not the identity
     * provider's) and that are still queued or in progress, by id.
     */
    List<UUID> unfinishedSubmittedBy(UUID portfolioId, UUID userId) {
        return jdbc.sql("""
                        SELECT id FROM jobs.bulk_jobs
                         WHERE portfolio_id = :portfolioId AND requested_by_user_id = :userId
                           AND origin <> 'SCIM' AND status IN ('QUEUED', 'IN_PROGRESS')
                         ORDER BY id
                        """)
                .param("portfolioId", portfolioId)
                .param("userId", userId)
                .query(UUID.class)
                .list();
    }

    /**
     * The jobs, still queued or in progress, that any of the users submitted (not the identity provider's)
     * in a portfolio they are no portfolio user of any more, by id: each as its portfolio and its id.
     */
    List<Map.Entry<UUID, UUID>> unfinishedSubmittedByFormerUsers(List<UUID> userIds) {
        return jdbc.sql("""
                        SELECT j.portfolio_id, j.id FROM jobs.bulk_jobs j
                         WHERE j.requested_by_user_id = ANY(:users)
                           AND j.origin <> 'SCIM' AND j.status IN ('QUEUED', 'IN_PROGRESS')
                           AND NOT EXISTS (SELECT 1 FROM jobs.portfolio_users p
                                            WHERE p.portfolio_id = j.portfolio_id AND p.user_id = j.requested_by_user_id)
                         ORDER BY j.id
                        """)
                .param("users", PostgresArrays.uuids(userIds))
                .query((row, n) ->
                        Map.entry(row.getObject("portfolio_id", UUID.class), row.getObject("id", UUID.class)))
                .list();
    }

    /**
     * Marks a job just cancelled as withdrawn by {@code withdrawer} (the removal of the portfolio user
     * who submitted it), in the cancellation's transaction (jobs migration V201).
     */
    void markWithdrawn(UUID jobId, Actor withdrawer) {
        jdbc.sql("""
                        UPDATE jobs.bulk_jobs
                           SET withdrawn_by_user_id = :userId, withdrawn_by_email = :email, withdrawn_by_kind = :kind
                         WHERE id = :id
                        """)
                .param("id", jobId)
                .param("userId", withdrawer.userId())
                .param("email", withdrawer.email())
                .param("kind", withdrawer.kind().name())
                .update();
    }

    /**
     * As {@link #markWithdrawn}, by the job's portfolio's identity provider, named by the SCIM token it
     * used last (as the hourly removal of deprovisioned users' roles names it in the admin log), or by
     * the nil id when the portfolio has none.
     */
    void markWithdrawnByIdentityProvider(UUID jobId) {
        jdbc.sql("""
                        UPDATE jobs.bulk_jobs j
                           SET withdrawn_by_user_id = coalesce(
                                   (SELECT t.id FROM jobs.scim_tokens t
                                     WHERE t.portfolio_id = j.portfolio_id
                                     ORDER BY t.last_used_at DESC NULLS LAST, t.created_at DESC, t.id
                                     LIMIT 1),
                                   '00000000-0000-0000-0000-000000000000'),
                               withdrawn_by_email = :email, withdrawn_by_kind = :kind
                         WHERE j.id = :id
                        """)
                .param("id", jobId)
                .param("email", Actor.IDENTITY_PROVIDER_NAME)
                .param("kind", ActorKind.IDENTITY_PROVIDER.name())
                .update();
    }

    /**
     * Hands the tasks the worker deferred, and that no pending earlier task of their account and
     * portfolio holds back any more, back to the relay (at most 10,000 at a time; the stuck-task sweep releases any left).
     */
    int releaseDeferredTasks() {
        return jdbc.sql("SELECT jobs.release_deferred_tasks(NULL, 10000)")
                .query(Integer.class)
                .single();
    }

    /**
     * Moves a job that is not terminal to {@code CANCELLED}, moving {@code cancelledTasks} from
     * pending to cancelled; empty when the job is terminal already. Its end is the time of this
     * statement, not of the transaction's start: the cancellation waited for the worker batches that
     * held its tasks, and those batches' applied tasks and the job's start must not come after its end.
     */
    Optional<Job> markCancelled(UUID jobId, int cancelledTasks) {
        return jdbc.sql("""
                        UPDATE jobs.bulk_jobs
                        SET status = 'CANCELLED', pending = pending - :n, cancelled = cancelled + :n,
                            completed_at = clock_timestamp(), version = version + 1, relay_done = true
                        WHERE id = :id AND status IN ('QUEUED', 'IN_PROGRESS')
                        RETURNING\s""" + JOB_COLUMNS)
                .param("id", jobId)
                .param("n", cancelledTasks)
                .query(Jobs::job)
                .optional();
    }

    private static String taskConditions(TaskFilter filter) {
        StringBuilder where = new StringBuilder("job_id = :jobId");
        TaskStatus status = status(filter);
        if (status == TaskStatus.PENDING) {
            where.append(" AND status = 'PENDING'");
        } else if (status != null) {
            // Said twice so that a plan prepared for any status still reads bulk_tasks_ended_by_job,
            // which holds only ended tasks (jobs migration V120).
            where.append(" AND status = :status AND status <> 'PENDING'");
        }
        if (filter.reason() != null) {
            where.append(" AND reason = :reason");
        }
        if (filter.accountId() != null) {
            where.append(" AND account_id = :accountId");
        }
        return where.toString();
    }

    private static Map<String, Object> taskParams(UUID jobId, TaskFilter filter) {
        Map<String, Object> params = new HashMap<>();
        params.put("jobId", jobId);
        TaskStatus status = status(filter);
        if (status != null && status != TaskStatus.PENDING) {
            params.put("status", status.name());
        }
        if (filter.reason() != null) {
            params.put("reason", filter.reason().name());
        }
        if (filter.accountId() != null) {
            params.put("accountId", filter.accountId());
        }
        return params;
    }

    /**
     * The status of the tasks the filter matches: the one it names, else that of its reason (a reason
     * goes with one ended status), so that a filter by reason alone reads that status's tasks from
     * bulk_tasks_ended_by_job rather than every task of the job; {@code null} for any status.
     */
    private static TaskStatus status(TaskFilter filter) {
        if (filter.status() != null || filter.reason() == null) {
            return filter.status();
        }
        return filter.reason().status();
    }

    private static Job job(ResultSet row, int rowNumber) throws SQLException {
        return new Job(
                row.getObject("id", UUID.class),
                row.getObject("portfolio_id", UUID.class),
                JobType.valueOf(row.getString("type")),
                JobStatus.valueOf(row.getString("status")),
                Actor.of(
                        row.getObject("requested_by_user_id", UUID.class),
                        row.getString("requested_by_email"),
                        JobOrigin.valueOf(row.getString("origin"))),
                JobOrigin.valueOf(row.getString("origin")),
                instant(row, "created_at"),
                instant(row, "started_at"),
                instant(row, "completed_at"),
                new JobView.Counts(
                        row.getInt("total"),
                        row.getInt("pending"),
                        row.getInt("succeeded"),
                        row.getInt("skipped"),
                        row.getInt("failed"),
                        row.getInt("cancelled")),
                row.getLong("version"));
    }

    private static TaskView task(ResultSet row) throws SQLException {
        return new TaskView(
                row.getObject("id", UUID.class),
                row.getObject("account_id", UUID.class),
                row.getObject("user_id", UUID.class),
                row.getString("email"),
                TaskAction.valueOf(row.getString("action")),
                role(row.getString("previous_role")),
                role(row.getString("role")),
                TaskStatus.valueOf(row.getString("status")),
                // As stored: a reason of a worker newer than this gateway is shown, not refused with a 500.
                row.getString("reason"),
                row.getString("error"),
                row.getInt("attempts"),
                instant(row, "applied_at"));
    }

    private static AccountRole role(String code) {
        return code == null ? null : new AccountRole(code);
    }

    private static Instant instant(ResultSet row, String column) throws SQLException {
        OffsetDateTime value = row.getObject(column, OffsetDateTime.class);
        return value == null ? null : value.toInstant();
    }

    /**
     * A task and its position in the job.
     *
     * @param seq the task's position, for the next page's cursor
     * @param task the task
     */
    record TaskRow(long seq, TaskView task) {}
}
