package com.portfoliobulk.gateway.jobs;

import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import java.util.Locale;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.boot.convert.DataSizeUnit;
import org.springframework.util.unit.DataSize;
import org.springframework.util.unit.DataUnit;
import org.springframework.validation.annotation.Validated;

/**
 * @param maxTasksPerJob the most tasks one job may have; a larger request is answered with 413
 * @param idempotencyKeyTtl how long an {@code Idempotency-Key} is remembered: at least a second (it is
 *     counted in whole seconds), and at most {@code bulk.gateway.retention.finished-jobs}, which
 *     {@code Retention} checks: a key is deleted with its job
 * @param duplicateWait how long a submission waits for a concurrent one with the same key before
 *     answering 409: PostgreSQL's {@code lock_timeout} for that wait, in whole milliseconds, from 1 ms
 *     to {@link Integer#MAX_VALUE} ms
 * @param pollInterval the {@code Retry-After} hint given while a job is not finished
 * @param submissionWorkMem PostgreSQL's {@code work_mem} for the transaction that stores a job, enough
 *     to order the largest plan in memory: a size as Spring reads one, a bare number in kilobytes (as
 *     PostgreSQL reads it, the setting's meaning before it was a size), sent in whole kilobytes, from
 *     64 kB to {@link Integer#MAX_VALUE} kB
 */
@Validated
@ConfigurationProperties("bulk.gateway.jobs")
record JobsProperties(
        @DefaultValue("200000") @Min(1) int maxTasksPerJob,
        @DefaultValue("24h") @NotNull Duration idempotencyKeyTtl,
        @DefaultValue("5s") @NotNull Duration duplicateWait,
        @DefaultValue("1s") Duration pollInterval,

        @DefaultValue("64MB") @DataSizeUnit(DataUnit.KILOBYTES) @NotNull
        DataSize submissionWorkMem) {

    /** The smallest {@code work_mem} PostgreSQL accepts, in kB. */
    private static final long MIN_WORK_MEM_KB = 64;

    JobsProperties {
        // Shorter, a submission deletes as expired the key it finds (JobSubmission), however recent: a
        // retry after a lost answer would create a second job.
        if (idempotencyKeyTtl != null && idempotencyKeyTtl.toSeconds() < 1) {
            throw new IllegalArgumentException("bulk.gateway.jobs.idempotency-key-ttl is "
                    + text(idempotencyKeyTtl)
                    + "; it must be at least 1s, or no Idempotency-Key is remembered and a retry"
                    + " with the same key creates a second job");
        }
        // PostgreSQL's lock_timeout (Jobs.setLockTimeout), in whole milliseconds: 0 turns the timeout off,
        // so a submission waited for a concurrent one with its key as long as that one held it (up to the
        // connection's socket timeout) instead of answering 409; below 0 or above its largest value,
        // every submission failed.
        if (duplicateWait != null
                && (duplicateWait.compareTo(Duration.ofMillis(1)) < 0
                        || duplicateWait.compareTo(Duration.ofMillis(Integer.MAX_VALUE)) > 0)) {
            throw new IllegalArgumentException("bulk.gateway.jobs.duplicate-wait is " + text(duplicateWait)
                    + "; it must be from 1ms to " + Integer.MAX_VALUE + "ms (about 24.8 days), PostgreSQL's"
                    + " lock_timeout: shorter than 1ms is no timeout at all (a submission waits for a"
                    + " concurrent one with the same Idempotency-Key as long as that one takes, instead of"
                    + " answering 409), and outside that range every submission fails");
        }
        // PostgreSQL's work_mem (Jobs.setSortMemory), sent in kB: outside its range, set_config fails in
        // every transaction that creates a job (submissions and SCIM deprovisionings).
        if (submissionWorkMem != null
                && (submissionWorkMem.toKilobytes() < MIN_WORK_MEM_KB
                        || submissionWorkMem.toKilobytes() > Integer.MAX_VALUE)) {
            throw new IllegalArgumentException("bulk.gateway.jobs.submission-work-mem is "
                    + submissionWorkMem.toBytes() + "B; it must be from " + MIN_WORK_MEM_KB + "KB to "
                    + Integer.MAX_VALUE + "KB (about 2TB), PostgreSQL's work_mem, or every job submission and"
                    + " SCIM deprovisioning fails: set a size such as 64MB (a bare number is KB)");
        }
    }

    private static String text(Duration duration) {
        return duration.toString().substring(2).toLowerCase(Locale.ROOT);
    }

    /** {@link #pollInterval} in whole seconds, at least 1, for {@code Retry-After}. */
    long retryAfter() {
        return Math.max(1, (pollInterval.toMillis() + 999) / 1000);
    }

    /** {@link #retryAfter()} as the header's text. */
    String retryAfterSeconds() {
        return String.valueOf(retryAfter());
    }
}
