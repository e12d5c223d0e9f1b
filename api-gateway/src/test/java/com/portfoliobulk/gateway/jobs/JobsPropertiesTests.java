package com.portfoliobulk.gateway.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;

/**
 * An {@code Idempotency-Key} is remembered for at least a second (the window is counted in whole
 * seconds): with less, a submission deletes the key it finds as expired, and a retry after a lost answer
 * creates a second job. Such a setting stops the gateway from starting, with the reason.
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

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties(JobsProperties.class)
    static class Jobs {}
}
