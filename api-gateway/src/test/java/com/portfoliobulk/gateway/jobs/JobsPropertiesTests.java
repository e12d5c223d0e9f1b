package com.portfoliobulk.gateway.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;
import org.springframework.util.unit.DataSize;

/**
 * An {@code Idempotency-Key} is remembered for at least a second (the window is counted in whole
 * seconds): with less, a submission deletes the key it finds as expired, and a retry after a lost answer
 * creates a second job. A submission waits for a concurrent one with its key from 1 ms to {@link
 * Integer#MAX_VALUE} ms, PostgreSQL's {@code lock_timeout}: under 1 ms is no timeout at all, and outside
 * that range every submission fails. A submission sorts its plan in PostgreSQL's {@code work_mem}, a size
 * from 64 kB to {@link Integer#MAX_VALUE} kB: outside it, every job submission fails. Such a setting stops
 * the gateway from starting, with the reason.
 */
class JobsPropertiesTests {

    private final ApplicationContextRunner gateway = new ApplicationContextRunner().withUserConfiguration(Jobs.class);

    @Test
    void keysAreRememberedADayByDefaultAndAsLongAsSet() {
        gateway.run(context -> assertThat(context.getBean(JobsProperties.class).idempotencyKeyTtl())
                .isEqualTo(Duration.ofHours(24)));
        gateway.withPropertyValues("bulk.gateway.jobs.idempotency-key-ttl=1s")
                .run(context -> assertThat(context.getBean(JobsProperties.class).idempotencyKeyTtl())
                        .isEqualTo(Duration.ofSeconds(1)));
    }

    @Test
    void aKeyWindowShorterThanASecondIsRefused() {
        gateway.withPropertyValues("bulk.gateway.jobs.idempotency-key-ttl=0")
                .run(context -> assertThat(context)
                        .hasFailed()
                        .getFailure()
                        .rootCause()
                        .hasMessageContaining("bulk.gateway.jobs.idempotency-key-ttl is 0s; it must be at least 1s"));
        gateway.withPropertyValues("bulk.gateway.jobs.idempotency-key-ttl=-1h")
                .run(context -> assertThat(context)
                        .hasFailed()
                        .getFailure()
                        .rootCause()
                        .hasMessageContaining("bulk.gateway.jobs.idempotency-key-ttl is -1h; it must be at least 1s"));
        gateway.withPropertyValues("bulk.gateway.jobs.idempotency-key-ttl=500ms")
                .run(context -> assertThat(context)
                        .hasFailed()
                        .getFailure()
                        .rootCause()
                        .hasMessageContaining("bulk.gateway.jobs.idempotency-key-ttl is 0.5s; it must be at least 1s"));
    }

    @Test
    void aSubmissionWaitsForADuplicateFiveSecondsByDefaultAndAsLongAsSetWithinLockTimeoutsRange() {
        gateway.run(context -> assertThat(context.getBean(JobsProperties.class).duplicateWait())
                .isEqualTo(Duration.ofSeconds(5)));
        for (String wait : new String[] {"1ms", "2147483647ms"}) {
            gateway.withPropertyValues("bulk.gateway.jobs.duplicate-wait=" + wait)
                    .run(context -> assertThat(
                                    context.getBean(JobsProperties.class).duplicateWait())
                            .isEqualTo(Duration.ofMillis(Long.parseLong(wait.replace("ms", "")))));
        }
    }

    /**
     * Before, such a wait started the gateway: 0 or less than a millisecond became lock_timeout 0, no
     * timeout, and a negative wait or one over 24.8 days made every submission fail.
     */
    @Test
    void aDuplicateWaitOutsideLockTimeoutsRangeIsRefused() {
        Map<String, String> refused = Map.of(
                "0", "0s",
                "500us", "0.0005s",
                "-5s", "-5s",
                "2147483648ms", "596h31m23.648s");
        refused.forEach((wait, shown) -> gateway.withPropertyValues("bulk.gateway.jobs.duplicate-wait=" + wait)
                .run(context -> assertThat(context)
                        .hasFailed()
                        .getFailure()
                        .rootCause()
                        .hasMessageContaining("bulk.gateway.jobs.duplicate-wait is " + shown
                                + "; it must be from 1ms to 2147483647ms")
                        .hasMessageContaining("PostgreSQL's lock_timeout")));
    }

    @Test
    void aSubmissionSortsIn64MegabytesByDefaultAndInAsMuchAsSetWithinWorkMemsRange() {
        gateway.run(context -> assertThat(context.getBean(JobsProperties.class).submissionWorkMem())
                .isEqualTo(DataSize.ofMegabytes(64)));
        Map<String, DataSize> accepted = Map.of(
                "256MB", DataSize.ofMegabytes(256),
                "64KB", DataSize.ofKilobytes(64),
                "65536B", DataSize.ofKilobytes(64),
                // A bare number is kilobytes, as PostgreSQL read the setting when it was passed on as written.
                "262144", DataSize.ofMegabytes(256),
                "2147483647KB", DataSize.ofKilobytes(Integer.MAX_VALUE));
        accepted.forEach((size, read) -> gateway.withPropertyValues("bulk.gateway.jobs.submission-work-mem=" + size)
                .run(context -> assertThat(context.getBean(JobsProperties.class).submissionWorkMem())
                        .isEqualTo(read)));
    }

    /**
     * Before, such a size started the gateway, and PostgreSQL refused it at every job submission and SCIM
     * deprovisioning (500).
     */
    @Test
    void aSubmissionWorkMemOutsideWorkMemsRangeIsRefused() {
        Map<String, String> refused = Map.of(
                "0", "0B",
                "63", "64512B",
                "64B", "64B",
                "65535B", "65535B",
                "-64MB", "-67108864B",
                "2147483648KB", "2199023255552B");
        refused.forEach((size, shown) -> gateway.withPropertyValues("bulk.gateway.jobs.submission-work-mem=" + size)
                .run(context -> assertThat(context)
                        .hasFailed()
                        .getFailure()
                        .rootCause()
                        .hasMessageContaining("bulk.gateway.jobs.submission-work-mem is " + shown
                                + "; it must be from 64KB to 2147483647KB")
                        .hasMessageContaining("PostgreSQL's work_mem")
                        .hasMessageContaining("set a size such as 64MB (a bare number is KB)")));
    }

    /**
     * A unit Spring does not know, such as PostgreSQL's {@code kB} or a lower-case {@code mb}, stops the
     * gateway naming the setting, as any other size setting does; before, it started, and PostgreSQL
     * refused {@code mb} at every job submission and SCIM deprovisioning (500).
     */
    @Test
    void aSubmissionWorkMemInAUnitSpringDoesNotKnowIsRefused() {
        for (String size : new String[] {"256mb", "65536kB"}) {
            gateway.withPropertyValues("bulk.gateway.jobs.submission-work-mem=" + size)
                    .run(context -> assertThat(context)
                            .hasFailed()
                            .getFailure()
                            .hasStackTraceContaining(
                                    "Failed to bind properties under 'bulk.gateway.jobs.submission-work-mem'")
                            .hasStackTraceContaining("'" + size + "' is not a valid data size"));
        }
    }

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties(JobsProperties.class)
    static class Jobs {}
}
