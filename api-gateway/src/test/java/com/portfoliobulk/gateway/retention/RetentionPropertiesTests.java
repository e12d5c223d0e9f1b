package com.portfoliobulk.gateway.retention;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;

/**
 * Finished jobs are kept at least as long as an invitation may stay open: the job of a pending
 * invitation names its portfolio, which unlinking an account needs to end it. A shorter setting stops
 * the gateway from starting, with the reason.
 */
class RetentionPropertiesTests {

    private final ApplicationContextRunner gateway =
            new ApplicationContextRunner().withUserConfiguration(Retained.class);

    @Test
    void finishedJobsAreKeptThirtyDaysByDefaultAndLongerWhenSet() {
        gateway.run(
                context -> assertThat(context.getBean(RetentionProperties.class).finishedJobs())
                        .isEqualTo(Duration.ofDays(30)));
        gateway.withPropertyValues("bulk.gateway.retention.finished-jobs=90d")
                .run(context -> assertThat(
                                context.getBean(RetentionProperties.class).finishedJobs())
                        .isEqualTo(Duration.ofDays(90)));
    }

    @Test
    void keepingFinishedJobsLessThanAnInvitationMayStayOpenIsRefused() {
        gateway.withPropertyValues("bulk.gateway.retention.finished-jobs=7d")
                .run(context -> assertThat(context)
                        .hasFailed()
                        .getFailure()
                        .rootCause()
                        .hasMessageContaining(
                                "bulk.gateway.retention.finished-jobs is 7 days; it must be at least 30"));
    }

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties(RetentionProperties.class)
    static class Retained {}
}
