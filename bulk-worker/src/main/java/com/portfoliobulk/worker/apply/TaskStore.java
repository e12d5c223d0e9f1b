package com.portfoliobulk.worker.apply;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.contracts.Actor;
import com.portfoliobulk.contracts.JobOrigin;
import com.portfoliobulk.contracts.JobStatus;
import com.portfoliobulk.contracts.JobType;
import com.portfoliobulk.contracts.ReasonCode;
import com.portfoliobulk.contracts.TaskAction;
import com.portfoliobulk.contracts.TaskStatus;
import com.portfoliobulk.servicesupport.jdbc.PostgresArrays;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * The worker's statements on the {@code jobs} schema: it locks tasks, stores their outcomes and moves
 * the job's counters. Locks are taken in the order task rows, then the job row, as everywhere else.
 */
@Repository
class TaskStore {

    private static final String LOCK_TASKS = """
            SELECT t.id, t.seq, t.job_id, t.account_id, t.user_id, t.email, t.action, t.role, t.language, t.expires_at,
                   t.status, t.previous_role, t.applied_at, t.created_at,
                   j.portfolio_id, j.type AS job_type, j.status AS job_status, j.created_at AS submitted_at,
                   j.requested_by_user_id, j.requested_by_email, j.origin,
                   u.email AS user_email
              FROM jobs.bulk_tasks t
              JOIN jobs.bulk_jobs j ON j.id = t.job_id
              LEFT JOIN directory.users u ON u.id = t.user_id
             WHERE t.id = ANY(:ids)
             ORDER BY t.id
               FOR UPDATE OF t
            """;

    /**
     * The outcomes of a transaction's tasks in one statement: one row per task from parallel arrays.
     * Only pending tasks are updated; the caller compares the count.
     *
     * <p>The pending check is written {@code IS NOT DISTINCT FROM}, not {@code =}, so that PostgreSQL
     * cannot answer it from the partial index {@code bulk_tasks_pending_by_account}. With {@code =},
     * statistics gathered while no task was pending (after a quiet spell) made it read every pending
     * task from that index into a hash join: 611 ms for a batch of 2,000 of a new 500,000-task job,
     * against 28 ms by primary key, until the table was analyzed again.
     */
    static final String STORE_OUTCOMES = """
            UPDATE jobs.bulk_tasks t
               SET status = o.status, reason = o.reason, error = o.error, previous_role = o.previous_role,
                   user_id = coalesce(t.user_id, o.user_id), attempts = t.attempts + 1,
                   applied_at = CAST(o.applied_at AS timestamptz)
              FROM unnest(:ids, :statuses, :reasons, :errors, :previousRoles, :userIds, :appliedAts)
                   AS o(id, status, reason, error, previous_role, user_id, applied_at)
             WHERE t.id = o.id AND t.status IS NOT DISTINCT FROM 'PENDING'
            """;

    private static final String ADVANCE_JOB = """
            UPDATE jobs.bulk_jobs
               SET pending = pending - :done,
                   succeeded = succeeded + :succeeded,
                   skipped = skipped + :skipped,
                   failed = failed + :failed,
                   cancelled = cancelled + :cancelled,
                   version = version + 1,
                   started_at = least(started_at, CAST(:appliedAt AS timestamptz)),
                   status = CASE
                       WHEN status = 'CANCELLED' THEN status
                       WHEN pending - :done > 0 THEN 'IN_PROGRESS'
                       WHEN failed + :failed > 0 THEN 'COMPLETED_WITH_ERRORS'
                       ELSE 'COMPLETED' END,
                   completed_at = CASE
                       WHEN status <> 'CANCELLED' AND pending - :done = 0 THEN clock_timestamp()
                       ELSE completed_at END
             WHERE id = :id
            RETURNING type, status, pending, created_at, completed_at
            """;

    /**
     * The earliest pending task of each of the given accounts and portfolios that comes before the given
     * seq and is not among the given tasks (the batch's own), all in one statement: at most one row per
     * account and portfolio, however many of its tasks wait. A task of another portfolio on the account
     * does not count: the account has left that portfolio since, and its task will be skipped. Each
     * account and portfolio is one range of {@code bulk_tasks_pending_by_account}, read in seq order
     * until the first task outside the batch (the
     * lateral subquery keeps it a nested loop over those ranges; as a plain join of a 2,000-element array
     * PostgreSQL would read every pending task). The batch's tasks are left out through a hash of them,
     * built once for the statement. Reading every earlier pending task instead held each account's
     * deferred tasks in memory: after a lost record of a 1,000,000-task job, a batch of 2,000 read up to
     * hundreds of thousands of rows, more with each batch deferred.
     */
    static final String EARLIER_PENDING = """
            SELECT a.account_id, a.portfolio_id, e.seq
              FROM unnest(:accounts, :portfolios, :lastSeqs) AS a(account_id, portfolio_id, last_seq)
             CROSS JOIN LATERAL (
                   SELECT t.seq FROM jobs.bulk_tasks t
                    WHERE t.account_id = a.account_id AND t.portfolio_id = a.portfolio_id
                      AND t.status = 'PENDING' AND t.seq < a.last_seq
                      AND t.id NOT IN (SELECT unnest(:batch))
                    ORDER BY t.seq
                    LIMIT 1) e
            """;

    /** The most tasks one release sets free; the rest follow with the next batch or the gateway's sweep. */
    static final int RELEASE_LIMIT = 10_000;

    private final JdbcClient jdbc;

    TaskStore(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** The transaction's time: {@code now()} is the same for every statement of a transaction. */
    Instant transactionTime() {
        return jdbc.sql("SELECT now()").query(OffsetDateTime.class).single().toInstant();
    }

    /**
     * PostgreSQL's clock as it reads now ({@code clock_timestamp()}), not the transaction's start. Read
     * once a transaction holds the rows it changes, it is later than any change to those rows that
     * another transaction committed before (an invitation accepted while the transaction waited for the
     * membership, or before it locked it), so that the account's activity log, newest first, lists this
     * transaction's changes above that one.
     */
    Instant clockTime() {
        return jdbc.sql("SELECT clock_timestamp()")
                .query(OffsetDateTime.class)
                .single()
                .toInstant();
    }

    /** Locks the tasks that exist among {@code ids}, in id order, and returns them by id. */
    Map<UUID, TaskRow> lockTasks(Collection<UUID> ids) {
        Map<UUID, TaskRow> tasks = new LinkedHashMap<>();
        jdbc.sql(LOCK_TASKS)
                .param("ids", PostgresArrays.uuids(ids))
                .query(TaskStore::taskRow)
                .list()
                .forEach(task -> tasks.put(task.id(), task));
        return tasks;
    }

    /**
     * Stores the outcomes of pending tasks, all in one statement (arrays of the values, one element
     * per task), so a batch costs the database one statement however many tasks it has.
     *
     * @throws IllegalStateException when a task was not pending (the caller holds the row locks, so
     *     this means a bug, and the transaction must not commit)
     */
    void storeOutcomes(List<OutcomeWrite> outcomes) {
        if (outcomes.isEmpty()) {
            return;
        }
        int size = outcomes.size();
        UUID[] ids = new UUID[size];
        String[] statuses = new String[size];
        String[] reasons = new String[size];
        String[] errors = new String[size];
        String[] previousRoles = new String[size];
        UUID[] userIds = new UUID[size];
        String[] appliedAts = new String[size];
        for (int i = 0; i < size; i++) {
            OutcomeWrite outcome = outcomes.get(i);
            ids[i] = outcome.taskId();
            statuses[i] = outcome.status().name();
            reasons[i] = outcome.reason() == null ? null : outcome.reason().name();
            errors[i] = outcome.error();
            previousRoles[i] = outcome.previousRole() == null
                    ? null
                    : outcome.previousRole().code();
            userIds[i] = outcome.userId();
            appliedAts[i] =
                    outcome.appliedAt() == null ? null : outcome.appliedAt().toString();
        }
        int updated = jdbc.sql(STORE_OUTCOMES)
                .param("ids", PostgresArrays.uuids(ids))
                .param("statuses", PostgresArrays.texts(statuses))
                .param("reasons", PostgresArrays.texts(reasons))
                .param("errors", PostgresArrays.texts(errors))
                .param("previousRoles", PostgresArrays.texts(previousRoles))
                .param("userIds", PostgresArrays.uuids(userIds))
                .param("appliedAts", PostgresArrays.texts(appliedAts))
                .update();
        if (updated != size) {
            throw new IllegalStateException(
                    (size - updated) + " of " + size + " tasks were no longer pending under their row locks");
        }
    }

    /**
     * Moves a job's counters by what a transaction finished; starts the job, and ends it when nothing is
     * pending any more (a cancelled job stays cancelled). Its end is taken under the job's row lock,
     * not at the start of the transaction, so that it follows the order of the updates even when
     * transactions of several consumers overlap. Its start is its first task's {@code applied_at}: the
     * earliest {@code appliedAt} of the transactions that ended its tasks (a transaction that overlapped
     * one that advanced the job first may have taken an earlier one).
     *
     * @param appliedAt the {@code applied_at} of the outcomes the transaction stored
     * @return the job, when this update made it terminal
     */
    Optional<FinishedJob> advanceJob(UUID jobId, JobProgress progress, Instant appliedAt) {
        return jdbc.sql(ADVANCE_JOB)
                .param("id", jobId)
                .param("appliedAt", toTimestamp(appliedAt))
                .param("done", progress.done())
                .param("succeeded", progress.succeeded())
                .param("skipped", progress.skipped())
                .param("failed", progress.failed())
                .param("cancelled", progress.cancelled())
                .query((rs, row) -> {
                    JobStatus status = JobStatus.valueOf(rs.getString("status"));
                    boolean justFinished = rs.getInt("pending") == 0
                            && progress.done() > 0
                            && status != JobStatus.CANCELLED
                            && status.isTerminal();
                    if (!justFinished) {
                        return Optional.<FinishedJob>empty();
                    }
                    Duration duration = Duration.between(instant(rs, "created_at"), instant(rs, "completed_at"));
                    return Optional.of(new FinishedJob(rs.getString("type"), status, duration));
                })
                .single();
    }

    /**
     * The tasks among {@code pending} (pending rows of a batch, locked) that must wait: an earlier task
     * (by seq) of the same account and portfolio, in any job and not among {@code pending}, is still
     * pending. Once a task of an account waits, so do the portfolio's later tasks of the account in the
     * batch. One statement for the whole batch.
     */
    Set<UUID> heldBack(Collection<TaskRow> pending) {
        if (pending.isEmpty()) {
            return Set.of();
        }
        Map<AccountOfPortfolio, Long> lastSeq = new LinkedHashMap<>();
        List<UUID> batch = new ArrayList<>();
        for (TaskRow row : pending) {
            lastSeq.merge(new AccountOfPortfolio(row.accountId(), row.portfolioId()), row.seq(), Math::max);
            batch.add(row.id());
        }
        List<UUID> accounts = new ArrayList<>();
        List<UUID> portfolios = new ArrayList<>();
        for (AccountOfPortfolio key : lastSeq.keySet()) {
            accounts.add(key.accountId());
            portfolios.add(key.portfolioId());
        }
        Map<AccountOfPortfolio, Long> firstBlocker = new HashMap<>();
        jdbc.sql(EARLIER_PENDING)
                .param("accounts", PostgresArrays.uuids(accounts))
                .param("portfolios", PostgresArrays.uuids(portfolios))
                .param("lastSeqs", PostgresArrays.longs(lastSeq.values()))
                .param("batch", PostgresArrays.uuids(batch))
                .query(rs -> {
                    firstBlocker.put(
                            new AccountOfPortfolio(
                                    rs.getObject("account_id", UUID.class), rs.getObject("portfolio_id", UUID.class)),
                            rs.getLong("seq"));
                });
        if (firstBlocker.isEmpty()) {
            return Set.of();
        }
        Set<UUID> heldBack = new HashSet<>();
        for (TaskRow row : pending) {
            Long blocker = firstBlocker.get(new AccountOfPortfolio(row.accountId(), row.portfolioId()));
            if (blocker != null && blocker < row.seq()) {
                heldBack.add(row.id());
            }
        }
        return heldBack;
    }

    /**
     * Marks the (locked, pending) tasks deferred; they are not sent again until released. A task deferred
     * already (its record came again while it waits: a relay pass sent twice, a batch delivered again)
     * keeps its {@code deferred_at}.
     *
     * @return the tasks deferred now, not those deferred already
     */
    Set<UUID> defer(Collection<UUID> taskIds) {
        if (taskIds.isEmpty()) {
            return Set.of();
        }
        return new HashSet<>(jdbc.sql("""
                        UPDATE jobs.bulk_tasks SET deferred_at = now()
                         WHERE id = ANY(:ids) AND status = 'PENDING' AND deferred_at IS NULL
                        RETURNING id
                        """)
                .param("ids", PostgresArrays.uuids(taskIds))
                .query(UUID.class)
                .list());
    }

    /**
     * Hands the deferred tasks of the given accounts that nothing holds back any more to the relay
     * (queued in {@code jobs.task_republications}, so they are sent again in seq order).
     *
     * @return how many were released
     */
    int releaseDeferred(Collection<UUID> accountIds) {
        if (accountIds.isEmpty()) {
            return 0;
        }
        return jdbc.sql("SELECT jobs.release_deferred_tasks(:accounts, :limit)")
                .param("accounts", PostgresArrays.uuids(accountIds))
                .param("limit", RELEASE_LIMIT)
                .query(Integer.class)
                .single();
    }

    /**
     * Counts a failed attempt of a pending task and keeps its error.
     *
     * @return the task's job and attempts so far; empty when the task is not pending (any more)
     */
    Optional<FailedAttempt> recordFailedAttempt(UUID taskId, String error) {
        return jdbc.sql("""
                        UPDATE jobs.bulk_tasks SET attempts = attempts + 1, error = :error
                         WHERE id = :id AND status = 'PENDING'
                        RETURNING job_id, action, attempts
                        """)
                .param("id", taskId)
                .param("error", error)
                .query((rs, row) -> new FailedAttempt(
                        rs.getObject("job_id", UUID.class), rs.getString("action"), rs.getInt("attempts")))
                .optional();
    }

    /** Fails a pending task whose attempts are used up; its error was stored with the last attempt. */
    void failExhausted(UUID taskId, Instant now) {
        jdbc.sql("""
                        UPDATE jobs.bulk_tasks SET status = 'FAILED', reason = :reason, applied_at = :now
                         WHERE id = :id AND status = 'PENDING'
                        """)
                .param("id", taskId)
                .param("reason", ReasonCode.RETRIES_EXHAUSTED.name())
                .param("now", toTimestamp(now))
                .update();
    }

    private static TaskRow taskRow(ResultSet rs, int row) throws SQLException {
        return new TaskRow(
                rs.getObject("id", UUID.class),
                rs.getLong("seq"),
                rs.getObject("job_id", UUID.class),
                rs.getObject("account_id", UUID.class),
                rs.getObject("user_id", UUID.class),
                rs.getString("email"),
                TaskAction.valueOf(rs.getString("action")),
                role(rs.getString("role")),
                rs.getString("language"),
                instant(rs, "expires_at"),
                TaskStatus.valueOf(rs.getString("status")),
                role(rs.getString("previous_role")),
                instant(rs, "applied_at"),
                instant(rs, "created_at"),
                rs.getObject("portfolio_id", UUID.class),
                JobType.valueOf(rs.getString("job_type")),
                JobStatus.valueOf(rs.getString("job_status")),
                instant(rs, "submitted_at"),
                Actor.of(
                        rs.getObject("requested_by_user_id", UUID.class),
                        rs.getString("requested_by_email"),
                        JobOrigin.valueOf(rs.getString("origin"))),
                rs.getString("user_email"));
    }

    /** Roles are read as stored, so that custom role codes need no change here. */
    static AccountRole role(String code) {
        return code == null ? null : new AccountRole(code);
    }

    static Instant instant(ResultSet rs, String column) throws SQLException {
        OffsetDateTime value = rs.getObject(column, OffsetDateTime.class);
        return value == null ? null : value.toInstant();
    }

    static OffsetDateTime toTimestamp(Instant instant) {
        return instant == null ? null : instant.atOffset(ZoneOffset.UTC);
    }

    /**
     * One task's outcome to store.
     *
     * @param userId the task's user, stored when the task did not name one yet (an invitation of a new
     *     address)
     */
    record OutcomeWrite(
            UUID taskId,
            TaskStatus status,
            ReasonCode reason,
            String error,
            AccountRole previousRole,
            UUID userId,
            Instant appliedAt) {}

    /** An account as the tasks of one portfolio name it. */
    private record AccountOfPortfolio(UUID accountId, UUID portfolioId) {}

    /**
     * A failed attempt of a task, as counted.
     *
     * @param action the task's action as stored, unread: the task may fail because this version does not
     *     know its action
     */
    record FailedAttempt(UUID jobId, String action, int attempts) {}
}
