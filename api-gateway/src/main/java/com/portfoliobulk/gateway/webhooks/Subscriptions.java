package com.portfoliobulk.gateway.webhooks;

import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.support.SqlArrayValue;
import org.springframework.stereotype.Repository;

/** The SQL of {@code jobs.webhook_subscriptions}; every statement is scoped to the portfolio. */
@Repository
class Subscriptions {

    private static final String COLUMNS = """
            id, url, event_types, progress_interval_seconds, status, disabled_reason, failing_since, created_at
            """;

    private final JdbcClient jdbc;

    Subscriptions(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    void insert(
            UUID id,
            UUID portfolioId,
            String url,
            List<EventType> eventTypes,
            Integer progressIntervalSeconds,
            String secretCiphertext,
            UUID createdBy) {
        jdbc.sql("""
                        INSERT INTO jobs.webhook_subscriptions
                            (id, portfolio_id, url, event_types, progress_interval_seconds, secret_ciphertext, status,
                             created_by_user_id)
                        VALUES (:id, :portfolioId, :url, :eventTypes, :interval, :secret, 'ACTIVE', :createdBy)
                        """)
                .param("id", id)
                .param("portfolioId", portfolioId)
                .param("url", url)
                .param(
                        "eventTypes",
                        new SqlArrayValue(
                                "text",
                                eventTypes.stream().map(EventType::wireName).toArray()))
                .param("interval", progressIntervalSeconds)
                .param("secret", secretCiphertext)
                .param("createdBy", createdBy)
                .update();
    }

    /** Serializes subscription changes of one portfolio, so that its subscription count holds. */
    void lockPortfolio(UUID portfolioId) {
        jdbc.sql("SELECT pg_advisory_xact_lock(:key)")
                .param("key", ("webhook-subscriptions:" + portfolioId).hashCode())
                .query()
                .singleValue();
    }

    int count(UUID portfolioId) {
        return jdbc.sql("SELECT count(*) FROM jobs.webhook_subscriptions WHERE portfolio_id = :portfolioId")
                .param("portfolioId", portfolioId)
                .query(Integer.class)
                .single();
    }

    /** The portfolio's subscriptions, oldest first (a portfolio has a few). */
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

    Optional<SubscriptionView> find(UUID portfolioId, UUID id) {
        return jdbc.sql("SELECT " + COLUMNS
                        + " FROM jobs.webhook_subscriptions WHERE id = :id AND portfolio_id = :portfolioId")
                .param("id", id)
                .param("portfolioId", portfolioId)
                .query(Subscriptions::view)
                .optional();
    }

    /** Enables (clearing the failure streak) or disables the subscription; empty when it does not exist. */
    Optional<SubscriptionView> setStatus(UUID portfolioId, UUID id, SubscriptionStatus status, String reason) {
        return jdbc.sql("""
                        UPDATE jobs.webhook_subscriptions
                        SET status = :status, disabled_reason = :reason, updated_at = now(),
                            failing_since = CASE WHEN :status = 'ACTIVE' THEN NULL ELSE failing_since END
                        WHERE id = :id AND portfolio_id = :portfolioId
                        RETURNING\s""" + COLUMNS)
                .param("id", id)
                .param("portfolioId", portfolioId)
                .param("status", status.name())
                .param("reason", reason)
                .query(Subscriptions::view)
                .optional();
    }

    Optional<SubscriptionView> replaceSecret(UUID portfolioId, UUID id, String secretCiphertext) {
        return jdbc.sql("""
                        UPDATE jobs.webhook_subscriptions SET secret_ciphertext = :secret, updated_at = now()
                        WHERE id = :id AND portfolio_id = :portfolioId
                        RETURNING\s""" + COLUMNS)
                .param("id", id)
                .param("portfolioId", portfolioId)
                .param("secret", secretCiphertext)
                .query(Subscriptions::view)
                .optional();
    }

    /** Deletes the subscription and its messages; {@code false} when it does not exist. */
    boolean delete(UUID portfolioId, UUID id) {
        return jdbc.sql("DELETE FROM jobs.webhook_subscriptions WHERE id = :id AND portfolio_id = :portfolioId")
                        .param("id", id)
                        .param("portfolioId", portfolioId)
                        .update()
                == 1;
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
