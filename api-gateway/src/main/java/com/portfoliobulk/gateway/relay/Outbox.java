package com.portfoliobulk.gateway.relay;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.contracts.Actor;
import com.portfoliobulk.contracts.BulkTaskMessage;
import com.portfoliobulk.contracts.JobOrigin;
import com.portfoliobulk.contracts.TaskAction;
import com.portfoliobulk.contracts.UserRef;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Collection;
import java.util.List;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * The outbox is {@code jobs.bulk_tasks} itself: a task with {@code published_at IS NULL} is waiting
 * for the relay (a partial index keeps finding them cheap).
 */
@Repository
class Outbox {

    private final JdbcClient jdbc;

    Outbox(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * Takes the relay's lock for the current transaction, if no other relay (of any gateway instance)
     * holds it; it is released when the transaction ends.
     */
    boolean tryLock(long lockKey) {
        return jdbc.sql("SELECT pg_try_advisory_xact_lock(:key)")
                .param("key", lockKey)
                .query(Boolean.class)
                .single();
    }

    /** The oldest unpublished tasks, in the order they were created, at most {@code limit}. */
    List<OutboxTask> oldestUnpublished(int limit) {
        return jdbc.sql("""
                        SELECT t.id, t.job_id, t.portfolio_id, t.account_id, t.user_id, t.email, t.action, t.role,
                               t.language, t.expires_at, t.status, j.requested_by_user_id, j.requested_by_email, j.origin,
                               j.created_at AS requested_at, j.trace_parent
                        FROM jobs.bulk_tasks t
                        JOIN jobs.bulk_jobs j ON j.id = t.job_id
                        WHERE t.published_at IS NULL
                        ORDER BY t.seq
                        LIMIT :limit
                        """).param("limit", limit).query(Outbox::task).list();
    }

    /** Marks the tasks published, in one statement. */
    int markPublished(Collection<UUID> taskIds) {
        return jdbc.sql("UPDATE jobs.bulk_tasks SET published_at = now() WHERE id = ANY(:ids)")
                .param("ids", taskIds.toArray(UUID[]::new))
                .update();
    }

    /** How many tasks wait to be published. */
    long backlog() {
        return jdbc.sql("SELECT count(*) FROM jobs.bulk_tasks WHERE published_at IS NULL")
                .query(Long.class)
                .single();
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
                message.taskId(), "PENDING".equals(row.getString("status")), message, row.getString("trace_parent"));
    }

    private static Instant instant(ResultSet row, String column) throws SQLException {
        OffsetDateTime value = row.getObject(column, OffsetDateTime.class);
        return value == null ? null : value.toInstant();
    }
}
