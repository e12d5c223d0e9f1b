package com.portfoliobulk.gateway.retention;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.convert.ApplicationConversionService;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.SimpleDriverDataSource;

/**
 * Finished jobs are kept at least as long as an invitation may stay open: the job of a pending
 * invitation names its portfolio, which unlinking an account needs to end it. A shorter setting stops
 * the gateway from starting, with the reason. So does an {@code Idempotency-Key} window longer than
 * that: a finished job is deleted with its keys, and a retry inside the window would create a second job.
 */
class RetentionPropertiesTests {

    private final ApplicationContextRunner gateway =
            new ApplicationContextRunner().withUserConfiguration(Retained.class);

    /**
     * The retention itself, which reads the Idempotency-Key window too (it deletes expired keys), with
     * the conversions of a Spring Boot application (a duration such as {@code 30d} in {@code @Value}).
     */
    private final ApplicationContextRunner deleting = gateway.withInitializer(context ->
                    context.getBeanFactory().setConversionService(ApplicationConversionService.getSharedInstance()))
            .withUserConfiguration(Retention.class)
            .withBean(JdbcClient.class, () -> JdbcClient.create(new SimpleDriverDataSource()))
            .withBean(SimpleMeterRegistry.class);

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

    @Test
    void keysRememberedNoLongerThanFinishedJobsAreKept() {
        deleting.run(context -> assertThat(context).hasSingleBean(Retention.class));
        deleting.withPropertyValues("bulk.gateway.jobs.idempotency-key-ttl=30d")
                .run(context -> assertThat(context).hasSingleBean(Retention.class));
        deleting.withPropertyValues(
                        "bulk.gateway.jobs.idempotency-key-ttl=60d", "bulk.gateway.retention.finished-jobs=90d")
                .run(context -> assertThat(context).hasSingleBean(Retention.class));
    }

    @Test
    void keysRememberedLongerThanFinishedJobsAreRefusedNamingBothSettings() {
        deleting.withPropertyValues("bulk.gateway.jobs.idempotency-key-ttl=60d")
                .run(context -> assertThat(context)
                        .hasFailed()
                        .getFailure()
                        .rootCause()
                        .hasMessageContaining("bulk.gateway.jobs.idempotency-key-ttl is 60d; it must be at most"
                                + " bulk.gateway.retention.finished-jobs, 30d"));
        deleting.withPropertyValues(
                        "bulk.gateway.jobs.idempotency-key-ttl=745h", "bulk.gateway.retention.finished-jobs=31d")
                .run(context -> assertThat(context)
                        .hasFailed()
                        .getFailure()
                        .rootCause()
                        .hasMessageContaining("bulk.gateway.jobs.idempotency-key-ttl is 745h; it must be at most"
                                + " bulk.gateway.retention.finished-jobs, 31d"));
    }

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties(RetentionProperties.class)
    static class Retained {}
}
