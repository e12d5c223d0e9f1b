package com.portfoliobulk.gateway.jobs;

import jakarta.validation.constraints.Min;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * @param maxTasksPerJob the most tasks one job may have; a larger request is answered with 413
 * @param idempotencyKeyTtl how long an {@code Idempotency-Key} is remembered
 * @param duplicateWait how long a submission waits for a concurrent one with the same key before
 *     answering 409
 * @param pollInterval the {@code Retry-After} hint given while a job is not finished
 * @param submissionWorkMem PostgreSQL's {@code work_mem} for the transaction that stores a job, enough
 *     to order the largest plan in memory
 */
@Validated
@ConfigurationProperties("bulk.gateway.jobs")
record JobsProperties(
        @DefaultValue("200000") @Min(1) int maxTasksPerJob,
        @DefaultValue("24h") Duration idempotencyKeyTtl,
        @DefaultValue("5s") Duration duplicateWait,
        @DefaultValue("1s") Duration pollInterval,
        @DefaultValue("64MB") String submissionWorkMem) {

    /** {@link #pollInterval} in whole seconds, at least 1, for {@code Retry-After}. */
    long retryAfter() {
        return Math.max(1, (pollInterval.toMillis() + 999) / 1000);
    }

    /** {@link #retryAfter()} as the header's text. */
    String retryAfterSeconds() {
        return String.valueOf(retryAfter());
    }
}
