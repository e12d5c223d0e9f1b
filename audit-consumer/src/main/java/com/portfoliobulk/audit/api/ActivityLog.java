package com.portfoliobulk.audit.api;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.contracts.ActivityAction;
import com.portfoliobulk.contracts.Actor;
import com.portfoliobulk.contracts.ActorKind;
import com.portfoliobulk.contracts.InitiationLevel;
import com.portfoliobulk.contracts.UserRef;
import com.portfoliobulk.contracts.paging.Page;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Reads an account's activity log newest first, with keyset paging on
 * {@code (occurred_at DESC, entry_id DESC)}, the order of the index {@code activity_log_by_portfolio_account}.
 */
@Component
class ActivityLog {

    private final JdbcClient jdbc;

    ActivityLog(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    Page<ActivityLogEntry> page(ActivityLogQuery query) {
        Statement statement = statement(query);
        List<ActivityLogEntry> rows = jdbc.sql(statement.sql())
                .params(statement.parameters())
                .query(ActivityLog::entry)
                .list();
        return query.paging().page(rows, query::after);
    }

    /**
     * The statement that reads a page, with its named parameters.
     *
     * @param sql the statement
     * @param parameters its parameters by name
     */
    record Statement(String sql, Map<String, Object> parameters) {}

    /**
     * The statement that reads the page {@code query} asks for: newest first, from the index of the
     * account's entries of the portfolio (an account that moved portfolios does not read its old history).
     */
    static Statement statement(ActivityLogQuery query) {
        StringBuilder sql = new StringBuilder("""
                SELECT entry_id, occurred_at, action, target_user_id, target_user_email, previous_role,
                       new_role, initiated_from, actor_user_id, actor_email, actor_kind, portfolio_id, job_id, task_id,
                       summary
                FROM audit.activity_log
                WHERE account_id = :accountId AND portfolio_id = :portfolioId""");
        Map<String, Object> parameters = new HashMap<>();
        parameters.put("accountId", query.accountId());
        parameters.put("portfolioId", query.portfolioId());
        if (query.since() != null) {
            sql.append(" AND occurred_at >= :since");
            parameters.put("since", utc(query.since()));
        }
        if (query.paging().after() != null) {
            sql.append(" AND (occurred_at, entry_id) < (:afterOccurredAt, :afterEntryId)");
            parameters.put("afterOccurredAt", utc(query.afterOccurredAt()));
            parameters.put("afterEntryId", query.afterEntryId());
        }
        sql.append(" ORDER BY occurred_at DESC, entry_id DESC LIMIT :limit");
        parameters.put("limit", query.paging().fetchSize());
        return new Statement(sql.toString(), parameters);
    }

    private static OffsetDateTime utc(Instant instant) {
        return OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
    }

    private static ActivityLogEntry entry(ResultSet row, int rowNumber) throws SQLException {
        return new ActivityLogEntry(
                row.getObject("entry_id", UUID.class),
                row.getObject("occurred_at", OffsetDateTime.class).toInstant(),
                ActivityAction.valueOf(row.getString("action")),
                targetUser(row.getObject("target_user_id", UUID.class), row.getString("target_user_email")),
                role(row.getString("previous_role")),
                role(row.getString("new_role")),
                InitiationLevel.valueOf(row.getString("initiated_from")),
                new Actor(
                        row.getObject("actor_user_id", UUID.class),
                        row.getString("actor_email"),
                        ActorKind.valueOf(row.getString("actor_kind"))),
                row.getObject("portfolio_id", UUID.class),
                row.getObject("job_id", UUID.class),
                row.getObject("task_id", UUID.class),
                row.getString("summary"));
    }

    /** None for a link change, which concerns the account rather than one of its users. */
    private static UserRef targetUser(UUID userId, String email) {
        return userId == null && email == null ? null : new UserRef(userId, email);
    }

    private static AccountRole role(String code) {
        return code == null ? null : new AccountRole(code);
    }
}
