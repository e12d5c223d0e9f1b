package com.portfoliobulk.gateway.webhooks;

import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * The keyset-paged list of a portfolio's webhook subscriptions ({@code JdbcClient}, like every paged
 * list); one subscription is read and written through {@link SubscriptionRepository}.
 */
@Repository
class Subscriptions {

    private static final String COLUMNS = """
            s.id, s.url, s.event_types, s.progress_interval_seconds, s.status, s.disabled_reason, s.failing_since,
            s.created_at, coalesce(p.email, u.email) AS created_by
            """;

    /**
     * The creator's address: as a portfolio user of the subscription's portfolio while they are one, else
     * as the account directory has it (a removed administrator's directory user stays), each row found by
     * its key.
     */
    private static final String CREATORS = """
             LEFT JOIN jobs.portfolio_users p ON p.portfolio_id = s.portfolio_id AND p.user_id = s.created_by_user_id
             LEFT JOIN directory.users u ON u.id = s.created_by_user_id
            """;

    private final JdbcClient jdbc;

    Subscriptions(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** Oldest first, after the given one (when given); one more than {@code limit}, to tell a next page. */
    List<SubscriptionView> list(UUID portfolioId, Instant afterCreatedAt, UUID afterId, int limit) {
        String after = afterId == null ? "" : " AND (s.created_at, s.id) > (:afterCreatedAt, :afterId)";
        JdbcClient.StatementSpec statement = jdbc.sql("SELECT " + COLUMNS
                        + " FROM jobs.webhook_subscriptions s" + CREATORS + " WHERE s.portfolio_id = :portfolioId"
                        + after + " ORDER BY s.created_at, s.id LIMIT :fetch")
                .param("portfolioId", portfolioId)
                .param("fetch", limit + 1);
        if (afterId != null) {
            statement = statement
                    .param("afterCreatedAt", afterCreatedAt.atOffset(ZoneOffset.UTC))
                    .param("afterId", afterId);
        }
        return statement.query(Subscriptions::view).list();
    }

    /**
     * The e-mail address of a subscription's creator, as the list reads it: as a portfolio user of the
     * portfolio, else as the account directory has them; null when neither knows them.
     */
    String creator(UUID portfolioId, UUID userId) {
        return jdbc.sql("""
                        SELECT email FROM (
                            SELECT email, 1 AS source FROM jobs.portfolio_users
                            WHERE portfolio_id = :portfolioId AND user_id = :userId
                            UNION ALL
                            SELECT email, 2 FROM directory.users WHERE id = :userId) known
                        ORDER BY source LIMIT 1
                        """)
                .param("portfolioId", portfolioId)
                .param("userId", userId)
                .query(String.class)
                .optional()
                .orElse(null);
    }

    private static SubscriptionView view(ResultSet row, int rowNumber) throws SQLException {
        Array types = row.getArray("event_types");
        List<EventType> eventTypes = Arrays.stream((String[]) types.getArray())
                .map(EventType::ofStored)
                .toList();
        return new SubscriptionView(
                row.getObject("id", UUID.class),
                row.getString("url"),
                eventTypes,
                row.getObject("progress_interval_seconds", Integer.class),
                SubscriptionStatus.valueOf(row.getString("status")),
                row.getString("disabled_reason"),
                instant(row, "failing_since"),
                instant(row, "created_at"),
                row.getString("created_by"),
                null);
    }

    static Instant instant(ResultSet row, String column) throws SQLException {
        OffsetDateTime value = row.getObject(column, OffsetDateTime.class);
        return value == null ? null : value.toInstant();
    }
}
