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
            id, url, event_types, progress_interval_seconds, status, disabled_reason, failing_since, created_at
            """;

    private final JdbcClient jdbc;

    Subscriptions(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** Oldest first, after the given one (when given); one more than {@code limit}, to tell a next page. */
    List<SubscriptionView> list(UUID portfolioId, Instant afterCreatedAt, UUID afterId, int limit) {
        String after = afterId == null ? "" : " AND (created_at, id) > (:afterCreatedAt, :afterId)";
        JdbcClient.StatementSpec statement = jdbc.sql("SELECT " + COLUMNS
                        + " FROM jobs.webhook_subscriptions WHERE portfolio_id = :portfolioId" + after
                        + " ORDER BY created_at, id LIMIT :fetch")
                .param("portfolioId", portfolioId)
                .param("fetch", limit + 1);
        if (afterId != null) {
            statement = statement
                    .param("afterCreatedAt", afterCreatedAt.atOffset(ZoneOffset.UTC))
                    .param("afterId", afterId);
        }
        return statement.query(Subscriptions::view).list();
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
                null);
    }

    static Instant instant(ResultSet row, String column) throws SQLException {
        OffsetDateTime value = row.getObject(column, OffsetDateTime.class);
        return value == null ? null : value.toInstant();
    }
}
