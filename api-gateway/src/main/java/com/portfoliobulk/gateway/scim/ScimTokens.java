package com.portfoliobulk.gateway.scim;

import com.portfoliobulk.contracts.paging.Cursor;
import com.portfoliobulk.contracts.paging.Page;
import com.portfoliobulk.contracts.paging.PageRequest;
import com.portfoliobulk.gateway.directory.Portfolios;
import com.portfoliobulk.servicesupport.digests.Sha256;
import java.security.SecureRandom;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * Per-portfolio SCIM bearer tokens ({@code jobs.scim_tokens}). A token is {@value #PREFIX} and 43
 * characters of 256 random bits; only its SHA-256 is stored, so it is shown once, when created, and
 * a leaked table does not leak tokens. The prefix keeps SCIM tokens apart from administrators' JWTs:
 * neither kind is accepted where the other is expected. The token is an aggregate of its own, read
 * and changed through {@link ScimTokenRepository}.
 */
@Repository
class ScimTokens {

    /** Every SCIM token starts with this. */
    static final String PREFIX = "scim_";

    private static final SecureRandom RANDOM = new SecureRandom();

    private static final String COLUMNS = "id, portfolio_id, name, created_by_email, created_at, last_used_at";

    private final ScimTokenRepository repository;

    private final JdbcClient jdbc;

    private final Portfolios portfolios;

    ScimTokens(ScimTokenRepository repository, JdbcClient jdbc, Portfolios portfolios) {
        this.repository = repository;
        this.jdbc = jdbc;
        this.portfolios = portfolios;
    }

    /**
     * Creates a token; answers it with its secret, which is not stored. With an {@code Idempotency-Key},
     * the key is stored with the token in the insert that creates it, at most once per portfolio, and
     * stays with that token for as long as its row exists (revoked too): a creation with a key the
     * portfolio has already creates nothing. A concurrent creation with the same key waits for the
     * first to commit (the unique index decides) and is then refused in the same way.
     *
     * @param idempotencyKey the request's key (1 to 255 characters), or null for none
     * @throws com.portfoliobulk.gateway.web.RequestRefusedException when the key created a token
     *     already: 409 naming it when this request is the same (its name; the secret cannot be answered
     *     again), else 422
     */
    CreatedToken create(
            UUID portfolioId, String name, String idempotencyKey, UUID createdByUserId, String createdByEmail) {
        byte[] random = new byte[32];
        RANDOM.nextBytes(random);
        String secret = PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        for (int attempt = 1; ; attempt++) {
            // Its creation time is the database's (the column's default, now()), as its last use and its
            // revocation are, answered as stored: the token answered now is the one listed later.
            Optional<ScimToken> token = jdbc.sql("""
                            INSERT INTO jobs.scim_tokens
                                (id, portfolio_id, name, token_hash, created_by_user_id, created_by_email,
                                 idempotency_key)
                            VALUES (:id, :portfolioId, :name, :tokenHash, :createdByUserId, :createdByEmail,
                                    :idempotencyKey)
                            ON CONFLICT (portfolio_id, idempotency_key) WHERE idempotency_key IS NOT NULL
                            DO NOTHING
                            RETURNING\s""" + COLUMNS)
                    .param("id", UUID.randomUUID())
                    .param("portfolioId", portfolioId)
                    .param("name", name)
                    .param("tokenHash", hash(secret))
                    .param("createdByUserId", createdByUserId)
                    .param("createdByEmail", createdByEmail)
                    .param("idempotencyKey", idempotencyKey, Types.VARCHAR)
                    .query(ScimTokens::fromRow)
                    .optional();
            if (token.isPresent()) {
                return new CreatedToken(token.get(), secret);
            }
            // The key is the portfolio's already (committed, or committed by the concurrent creation this
            // insert waited for): its token is the answer. The request is its name alone, compared as stored.
            Optional<ScimTokenRepository.Row> earlier =
                    repository.findByPortfolioIdAndIdempotencyKey(portfolioId, idempotencyKey);
            if (earlier.isPresent()) {
                throw earlier.get().name().equals(name)
                        ? ScimTokenProblems.alreadyCreated(earlier.get())
                        : ScimTokenProblems.keyReused(earlier.get());
            }
            if (attempt >= 2) {
                throw new IllegalStateException("The Idempotency-Key of a SCIM token of portfolio " + portfolioId
                        + " is taken, but names no token");
            }
        }
    }

    /** The name of the token list's cursors. */
    static final String LIST = "scim-tokens";

    /** One page of the portfolio's tokens that are not revoked, newest first. */
    Page<ScimToken> list(UUID portfolioId, PageRequest paging) {
        String after = paging.after() == null ? "" : " AND (created_at, id) < (:afterAt, :afterId)";
        JdbcClient.StatementSpec statement = jdbc.sql("SELECT " + COLUMNS
                        + " FROM jobs.scim_tokens WHERE portfolio_id = :portfolioId AND revoked_at IS NULL" + after
                        + " ORDER BY created_at DESC, id DESC LIMIT :fetch")
                .param("portfolioId", portfolioId)
                .param("fetch", paging.fetchSize());
        if (paging.after() != null) {
            statement = statement
                    .param("afterAt", paging.after().micros(0).atOffset(ZoneOffset.UTC))
                    .param("afterId", paging.after().uuid(1));
        }
        List<ScimToken> fetched = statement.query(ScimTokens::fromRow).list();
        if (fetched.isEmpty()) {
            portfolios.require(portfolioId);
        }
        return paging.page(
                fetched, token -> Cursor.ofTime(Cursor.list(LIST, portfolioId), token.createdAt(), token.id()));
    }

    /** The portfolio's token with this id, unless it is revoked. */
    Optional<ScimToken> find(UUID portfolioId, UUID tokenId) {
        return jdbc.sql("SELECT " + COLUMNS + " FROM jobs.scim_tokens"
                        + " WHERE id = :tokenId AND portfolio_id = :portfolioId AND revoked_at IS NULL")
                .param("tokenId", tokenId)
                .param("portfolioId", portfolioId)
                .query(ScimTokens::fromRow)
                .optional();
    }

    /** Revokes the token; false when the portfolio has no such token not revoked yet. */
    boolean revoke(UUID portfolioId, UUID tokenId) {
        return repository.revoke(tokenId, portfolioId);
    }

    /**
     * The token with this secret, if it exists, is not revoked and its portfolio is not closed. Notes
     * when it was last used, at most once a minute, so that a busy identity provider does not write a
     * row per request.
     */
    Optional<ScimToken> authenticate(String secret) {
        if (secret == null || !secret.startsWith(PREFIX) || secret.length() > 100) {
            return Optional.empty();
        }
        Optional<ScimToken> token = repository.findUsable(hash(secret)).map(ScimTokens::token);
        token.ifPresent(used -> repository.touch(used.id()));
        return token;
    }

    static String hash(String secret) {
        return Sha256.hex(secret);
    }

    private static ScimToken fromRow(ResultSet row, int rowNumber) throws SQLException {
        return new ScimToken(
                row.getObject("id", UUID.class),
                row.getObject("portfolio_id", UUID.class),
                row.getString("name"),
                row.getString("created_by_email"),
                instant(row, "created_at"),
                instant(row, "last_used_at"));
    }

    private static Instant instant(ResultSet row, String column) throws SQLException {
        OffsetDateTime value = row.getObject(column, OffsetDateTime.class);
        return value == null ? null : value.toInstant();
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
