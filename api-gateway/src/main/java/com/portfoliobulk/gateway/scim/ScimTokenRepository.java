package com.portfoliobulk.gateway.scim;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.data.annotation.Id;
import org.springframework.data.jdbc.repository.query.Modifying;
import org.springframework.data.jdbc.repository.query.Query;
import org.springframework.data.relational.core.mapping.Table;
import org.springframework.data.repository.Repository;

/** The SCIM token aggregate ({@code jobs.scim_tokens}), read and written one at a time. */
interface ScimTokenRepository extends Repository<ScimTokenRepository.Row, UUID> {

    /** The portfolio's tokens that are not revoked, newest first. */
    List<Row> findByPortfolioIdAndRevokedAtIsNullOrderByCreatedAtDescIdDesc(UUID portfolioId);

    /**
     * The token with this hash, unless revoked or of a closed portfolio (closing revokes its tokens; one
     * created while the close ran, or on a gateway that still held the Owner's permissions, is refused
     * all the same).
     */
    @Query("""
            SELECT t.* FROM jobs.scim_tokens t
            WHERE t.token_hash = :tokenHash AND t.revoked_at IS NULL
              AND NOT EXISTS (SELECT 1 FROM jobs.closed_portfolios c WHERE c.portfolio_id = t.portfolio_id)
            """)
    Optional<Row> findUsable(String tokenHash);

    /** The portfolio's token created with this {@code Idempotency-Key}, revoked or not. */
    Optional<Row> findByPortfolioIdAndIdempotencyKey(UUID portfolioId, String idempotencyKey);

    /** Revokes the token; false when the portfolio has no such token not revoked yet. */
    @Modifying
    @Query("""
            UPDATE jobs.scim_tokens SET revoked_at = now()
            WHERE id = :id AND portfolio_id = :portfolioId AND revoked_at IS NULL
            """)
    boolean revoke(UUID id, UUID portfolioId);

    /** Notes that the token was used, at most once a minute. */
    @Modifying
    @Query("""
            UPDATE jobs.scim_tokens SET last_used_at = now()
            WHERE id = :id AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')
            """)
    void touch(UUID id);

    /**
     * One row of {@code jobs.scim_tokens}; inserted by {@code ScimTokens.create}, whose statement lets
     * the database set its creation time.
     */
    @Table(schema = "jobs", name = "scim_tokens")
    record Row(
            @Id UUID id,
            UUID portfolioId,
            String name,
            String tokenHash,
            UUID createdByUserId,
            String createdByEmail,
            Instant createdAt,
            Instant lastUsedAt,
            Instant revokedAt,
            String idempotencyKey) {}
}
