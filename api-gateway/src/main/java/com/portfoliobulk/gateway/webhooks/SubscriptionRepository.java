package com.portfoliobulk.gateway.webhooks;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.data.annotation.Id;
import org.springframework.data.jdbc.repository.query.Modifying;
import org.springframework.data.jdbc.repository.query.Query;
import org.springframework.data.relational.core.mapping.Table;
import org.springframework.data.repository.Repository;

/**
 * The webhook subscription aggregate ({@code jobs.webhook_subscriptions}), read and written one at a
 * time and always within its portfolio. The keyset-paged list ({@link Subscriptions}) and the
 * delivery fan-out ({@link Deliveries}) read the table set-based with {@code JdbcClient}; the
 * dispatcher's failure bookkeeping updates only {@code failing_since}, {@code last_failed_at} and
 * {@code status}, so the
 * changes here are guarded updates of their own columns rather than a save of the whole row.
 */
interface SubscriptionRepository extends Repository<SubscriptionRepository.Row, UUID> {

    /** The subscription, if it is one of the portfolio's. */
    Optional<Row> findByIdAndPortfolioId(UUID id, UUID portfolioId);

    /**
     * The portfolio's subscription created with this {@code Idempotency-Key}; none once it is deleted
     * (the key goes with its row).
     */
    Optional<Row> findByPortfolioIdAndIdempotencyKey(UUID portfolioId, String idempotencyKey);

    /** How many subscriptions the portfolio has. */
    long countByPortfolioId(UUID portfolioId);

    /** The portfolio's subscriptions (a few: {@code bulk.gateway.webhooks.max-subscriptions-per-portfolio}). */
    List<Row> findByPortfolioId(UUID portfolioId);

    /**
     * Serializes subscription changes of one portfolio until the transaction ends, so that its
     * subscription count holds.
     */
    @Query("SELECT true FROM pg_advisory_xact_lock(:key)")
    boolean lockPortfolio(long key);

    /**
     * The database's time now, not the transaction's start: read after {@link #lockPortfolio}, it is
     * later than the creation time of every subscription of the portfolio committed before, so that the
     * list's order by creation time is the order in which they were committed.
     */
    @Query("SELECT clock_timestamp()")
    Instant databaseNow();

    /**
     * Enables (clearing the failure streak of a disabled subscription) or disables the subscription, in
     * one statement that answers the row; empty when the portfolio has no such subscription. A
     * subscription in that status already is left as it is: an active one keeps its failure streak, and
     * a disabled one the reason it was disabled for (the dispatcher's, which tells why).
     */
    @Query("""
            UPDATE jobs.webhook_subscriptions
            SET status = :status,
                disabled_reason = CASE WHEN status = :status THEN disabled_reason ELSE :reason END,
                updated_at = CASE WHEN status = :status THEN updated_at ELSE now() END,
                failing_since = CASE WHEN :status = 'ACTIVE' AND status <> 'ACTIVE' THEN NULL ELSE failing_since END,
                last_failed_at = CASE WHEN :status = 'ACTIVE' AND status <> 'ACTIVE' THEN NULL ELSE last_failed_at END
            WHERE id = :id AND portfolio_id = :portfolioId
            RETURNING *
            """)
    Optional<Row> setStatus(UUID id, UUID portfolioId, String status, String reason);

    /**
     * The subscription's status, its row locked ({@code FOR SHARE}) until the transaction ends: a
     * change of its status, or its deletion, under way in another transaction is waited for and seen,
     * and none starts until this transaction ends; empty when the portfolio has no such subscription.
     */
    @Query("""
            SELECT status FROM jobs.webhook_subscriptions
            WHERE id = :id AND portfolio_id = :portfolioId
            FOR SHARE
            """)
    Optional<SubscriptionStatus> lockStatus(UUID id, UUID portfolioId);

    /**
     * Replaces the signing secret, answering the changed row; empty when there is no such subscription.
     * The secret it replaces goes on signing for {@code previousFor} (none when zero), beside those
     * rotated out before it that still sign ({@link #endPreviousSecrets} then keeps the newest).
     */
    @Query("""
            WITH replaced AS (
                SELECT id, secret_ciphertext FROM jobs.webhook_subscriptions
                WHERE id = :id AND portfolio_id = :portfolioId
                FOR UPDATE),
            kept AS (
                INSERT INTO jobs.webhook_previous_secrets (subscription_id, secret_ciphertext, signs_until)
                SELECT id, secret_ciphertext, now() + make_interval(secs => :previousForSeconds)
                FROM replaced WHERE :previousForSeconds > 0)
            UPDATE jobs.webhook_subscriptions s
            SET secret_ciphertext = :secret, updated_at = now(),
                -- The newest previous secret, also where a gateway of the version before reads it (V170).
                previous_secret_ciphertext = CASE WHEN :previousForSeconds > 0 THEN replaced.secret_ciphertext END,
                previous_secret_until = CASE WHEN :previousForSeconds > 0
                    THEN now() + make_interval(secs => :previousForSeconds) END
            FROM replaced
            WHERE s.id = replaced.id
            RETURNING s.*
            """)
    Optional<Row> replaceSecret(UUID id, UUID portfolioId, String secret, long previousForSeconds);

    /**
     * Ends the rotated-out secrets of the subscription that no longer sign, and all but the newest
     * {@code kept} of the others (all of them when zero: a secret rotated out because it leaked).
     */
    @Modifying
    @Query("""
            DELETE FROM jobs.webhook_previous_secrets p
            WHERE p.subscription_id = :id
              AND (p.signs_until <= now()
                   OR p.id NOT IN (SELECT id FROM jobs.webhook_previous_secrets
                                   WHERE subscription_id = :id ORDER BY id DESC LIMIT :kept))
            """)
    void endPreviousSecrets(UUID id, int kept);

    /** Deletes the subscription and (by cascade) its messages; false when there is no such subscription. */
    @Modifying
    @Query("DELETE FROM jobs.webhook_subscriptions WHERE id = :id AND portfolio_id = :portfolioId")
    boolean deleteByIdAndPortfolioId(UUID id, UUID portfolioId);

    /**
     * One row of {@code jobs.webhook_subscriptions}; inserted with {@code
     * JdbcAggregateOperations.insert}, since its id is assigned before it is stored.
     *
     * @param eventTypes the events' wire names ({@code job.completed}, ...), as stored
     * @param idempotencyKey the {@code Idempotency-Key} it was created with, or null for none
     * @param createdSecretSha256 with a key, the SHA-256 of the {@code secretCiphertext} its creation
     *     stored: a creation sent again with the key is answered with the secret only while the
     *     subscription's secret is still that one (no rotation since, by any gateway version)
     */
    @Table(schema = "jobs", name = "webhook_subscriptions")
    record Row(
            @Id UUID id,
            UUID portfolioId,
            String url,
            List<String> eventTypes,
            Integer progressIntervalSeconds,
            String secretCiphertext,
            SubscriptionStatus status,
            String disabledReason,
            Instant failingSince,
            UUID createdByUserId,
            Instant createdAt,
            Instant updatedAt,
            String idempotencyKey,
            String createdSecretSha256) {

        /**
         * The subscription as clients see it, without its secret.
         *
         * @param createdBy its creator's e-mail address ({@link Subscriptions#creator}), or null
         */
        SubscriptionView view(String createdBy) {
            return new SubscriptionView(
                    id,
                    url,
                    eventTypes.stream().map(EventType::ofStored).toList(),
                    progressIntervalSeconds,
                    status,
                    disabledReason,
                    failingSince,
                    createdAt,
                    createdBy,
                    null);
        }
    }
}
