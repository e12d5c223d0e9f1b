package com.portfoliobulk.gateway.scim;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.data.jdbc.core.JdbcAggregateOperations;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * Per-portfolio SCIM bearer tokens ({@code jobs.scim_tokens}). A token is {@value #PREFIX} and 43
 * characters of 256 random bits; only its SHA-256 is stored, so it is shown once, when created, and
 * a leaked table does not leak tokens. The prefix keeps SCIM tokens apart from administrators' JWTs:
 * neither kind is accepted where the other is expected. The token is an aggregate of its own, stored
 * through {@link ScimTokenRepository}.
 */
@Repository
class ScimTokens {

    /** Every SCIM token starts with this. */
    static final String PREFIX = "scim_";

    private static final SecureRandom RANDOM = new SecureRandom();

    private final ScimTokenRepository repository;

    private final JdbcAggregateOperations aggregates;

    private final JdbcClient jdbc;

    ScimTokens(ScimTokenRepository repository, JdbcAggregateOperations aggregates, JdbcClient jdbc) {
        this.repository = repository;
        this.aggregates = aggregates;
        this.jdbc = jdbc;
    }

    /** Creates a token; answers it with its secret, which is not stored. */
    CreatedToken create(UUID portfolioId, String name, UUID createdByUserId, String createdByEmail) {
        byte[] random = new byte[32];
        RANDOM.nextBytes(random);
        String secret = PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        // The column keeps microseconds: the token answered now is the one listed later.
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        ScimTokenRepository.Row row = aggregates.insert(new ScimTokenRepository.Row(
                UUID.randomUUID(), portfolioId, name, hash(secret), createdByUserId, createdByEmail, now, null, null));
        return new CreatedToken(token(row), secret);
    }

    /** Whether the directory has the portfolio. */
    boolean portfolioExists(UUID portfolioId) {
        return jdbc.sql("SELECT EXISTS (SELECT 1 FROM directory.portfolios WHERE id = :id)")
                .param("id", portfolioId)
                .query(Boolean.class)
                .single();
    }

    /** The portfolio's tokens that are not revoked, newest first. */
    List<ScimToken> list(UUID portfolioId) {
        return repository.findByPortfolioIdAndRevokedAtIsNullOrderByCreatedAtDescIdDesc(portfolioId).stream()
                .map(ScimTokens::token)
                .toList();
    }

    /** Revokes the token; false when the portfolio has no such token not revoked yet. */
    boolean revoke(UUID portfolioId, UUID tokenId) {
        return repository.revoke(tokenId, portfolioId);
    }

    /**
     * The token with this secret, if it exists and is not revoked. Notes when it was last used, at
     * most once a minute, so that a busy identity provider does not write a row per request.
     */
    Optional<ScimToken> authenticate(String secret) {
        if (secret == null || !secret.startsWith(PREFIX) || secret.length() > 100) {
            return Optional.empty();
        }
        Optional<ScimToken> token =
                repository.findByTokenHashAndRevokedAtIsNull(hash(secret)).map(ScimTokens::token);
        token.ifPresent(used -> repository.touch(used.id()));
        return token;
    }

    static String hash(String secret) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException ex) {
            throw new IllegalStateException("SHA-256 is not available", ex);
        }
    }

    private static ScimToken token(ScimTokenRepository.Row row) {
        return new ScimToken(
                row.id(), row.portfolioId(), row.name(), row.createdByEmail(), row.createdAt(), row.lastUsedAt());
    }

    /**
     * A SCIM token, without its secret.
     *
     * @param id the token's id
     * @param portfolioId the portfolio it provisions
     * @param name what the Portfolio Owner called it, e.g. "Entra ID"
     * @param createdBy who created it
     * @param createdAt when
     * @param lastUsedAt when the identity provider last called with it (to the minute); absent before
     */
    record ScimToken(UUID id, UUID portfolioId, String name, String createdBy, Instant createdAt, Instant lastUsedAt) {}

    /**
     * A token just created.
     *
     * @param token the token
     * @param secret the bearer token to paste into the identity provider; shown this once
     */
    record CreatedToken(ScimToken token, String secret) {}
}
