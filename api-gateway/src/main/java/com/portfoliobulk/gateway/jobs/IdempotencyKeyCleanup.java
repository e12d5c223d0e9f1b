package com.portfoliobulk.gateway.jobs;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Deletes expired {@code Idempotency-Key}s now and then. Lookups ignore them anyway; this only keeps
 * the table small.
 */
@Component
class IdempotencyKeyCleanup {

    private static final Logger log = LoggerFactory.getLogger(IdempotencyKeyCleanup.class);

    private final IdempotencyKeys keys;

    private final JobsProperties properties;

    IdempotencyKeyCleanup(IdempotencyKeys keys, JobsProperties properties) {
        this.keys = keys;
        this.properties = properties;
    }

    @Scheduled(
            initialDelayString = "${bulk.gateway.jobs.idempotency-key-cleanup-interval:1h}",
            fixedDelayString = "${bulk.gateway.jobs.idempotency-key-cleanup-interval:1h}")
    void deleteExpiredKeys() {
        int deleted = keys.deleteExpired(properties.idempotencyKeyTtl());
        if (deleted > 0) {
            log.info("Deleted {} expired idempotency keys", deleted);
        }
    }
}
