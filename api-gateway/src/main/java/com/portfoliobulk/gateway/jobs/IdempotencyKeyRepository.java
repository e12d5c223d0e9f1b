package com.portfoliobulk.gateway.jobs;

import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import org.springframework.data.annotation.Id;
import org.springframework.data.jdbc.repository.query.Modifying;
import org.springframework.data.jdbc.repository.query.Query;
import org.springframework.data.relational.core.mapping.Table;
import org.springframework.data.repository.Repository;

/**
 * The {@code Idempotency-Key}s of job submissions ({@code jobs.idempotency_keys}), one per portfolio
 * and key. A key is stored in the transaction that creates its job, so a stored key always names a
 * committed job. Keys older than the configured time to live no longer count and are deleted; the
 * database's clock judges the age both when a key is looked up and when it is replaced.
 */
interface IdempotencyKeyRepository extends Repository<IdempotencyKeyRepository.Row, IdempotencyKeyRepository.Key> {

    /** The live key, if one was stored less than {@code ttlSeconds} ago. */
    @Query("""
            SELECT portfolio_id, key, request_hash, job_id, created_at FROM jobs.idempotency_keys
            WHERE portfolio_id = :portfolioId AND key = :key
              AND created_at > now() - make_interval(secs => :ttlSeconds)
            """)
    Optional<Row> findLive(UUID portfolioId, String key, long ttlSeconds);

    /** Deletes the key if it is older than {@code ttlSeconds}, so that it can be used again. */
    @Modifying
    @Query("""
            DELETE FROM jobs.idempotency_keys
            WHERE portfolio_id = :portfolioId AND key = :key
              AND created_at <= now() - make_interval(secs => :ttlSeconds)
            """)
    void deleteExpired(UUID portfolioId, String key, long ttlSeconds);

    /**
     * Stores the key for {@code jobId}; false when the portfolio has that key already. When another
     * transaction is storing the same key, waits for it to end (up to the transaction's lock timeout).
     */
    @Modifying
    @Query("""
            INSERT INTO jobs.idempotency_keys (portfolio_id, key, request_hash, job_id)
            VALUES (:portfolioId, :key, :requestHash, :jobId)
            ON CONFLICT (portfolio_id, key) DO NOTHING
            """)
    boolean insertIfAbsent(UUID portfolioId, String key, String requestHash, UUID jobId);

    /** A key's identity: the portfolio and the key the client chose. */
    record Key(UUID portfolioId, String key) {}

    /**
     * A stored key.
     *
     * @param requestHash the SHA-256 of the canonical request it was first used with
     * @param jobId the job it created
     */
    @Table(schema = "jobs", name = "idempotency_keys")
    record Row(@Id Key id, String requestHash, UUID jobId, Instant createdAt) {}
}
