package com.portfoliobulk.gateway.jobs;

import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * The {@code Idempotency-Key}s of job submissions, per portfolio. A key is stored in the transaction
 * that creates its job, so a stored key always names a committed job. Keys older than the
 * configured time to live no longer count and are deleted.
 */
@Repository
class IdempotencyKeys {

    private final JdbcClient jdbc;

    IdempotencyKeys(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** The live key, if one was stored within {@code ttl}. */
    Optional<StoredKey> find(UUID portfolioId, String key, Duration ttl) {
        return jdbc.sql("""
                        SELECT request_hash, job_id FROM jobs.idempotency_keys
                        WHERE portfolio_id = :portfolioId AND key = :key
                          AND created_at > now() - make_interval(secs => :ttlSeconds)
                        """)
                .param("portfolioId", portfolioId)
                .param("key", key)
                .param("ttlSeconds", ttl.toSeconds())
                .query((row, n) -> new StoredKey(row.getString("request_hash"), row.getObject("job_id", UUID.class)))
                .optional();
    }

    /**
     * Stores the key for {@code jobId}; {@code false} when the portfolio has that key already. When
     * another transaction is storing the same key, waits for it to end (up to the transaction's
     * lock timeout).
     */
    boolean insert(UUID portfolioId, String key, String requestHash, UUID jobId, Duration ttl) {
        jdbc.sql("""
                        DELETE FROM jobs.idempotency_keys
                        WHERE portfolio_id = :portfolioId AND key = :key
                          AND created_at <= now() - make_interval(secs => :ttlSeconds)
                        """)
                .param("portfolioId", portfolioId)
                .param("key", key)
                .param("ttlSeconds", ttl.toSeconds())
                .update();
        return jdbc.sql("""
                                INSERT INTO jobs.idempotency_keys (portfolio_id, key, request_hash, job_id)
                                VALUES (:portfolioId, :key, :hash, :jobId)
                                ON CONFLICT (portfolio_id, key) DO NOTHING
                                """)
                        .param("portfolioId", portfolioId)
                        .param("key", key)
                        .param("hash", requestHash)
                        .param("jobId", jobId)
                        .update()
                == 1;
    }

    /**
     * A stored key.
     *
     * @param requestHash the SHA-256 of the canonical request it was first used with
     * @param jobId the job it created
     */
    record StoredKey(String requestHash, UUID jobId) {}
}
