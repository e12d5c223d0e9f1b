package com.portfoliobulk.audit.log;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;

/**
 * The pauses before a failed write of activity entries is tried again ({@code
 * bulk.audit.retry-initial-interval}, doubling up to {@code bulk.audit.retry-max-interval}) are positive,
 * the longest no shorter than the first; otherwise the audit-consumer does not start, naming the setting.
 */
class AuditPropertiesTests {

    private final ApplicationContextRunner audit = new ApplicationContextRunner().withUserConfiguration(Audit.class);

    @Test
    void aFailedWriteIsTriedAgainAfter200MillisecondsUpTo10SecondsByDefaultOrAsSet() {
        audit.run(context -> assertThat(context.getBean(AuditProperties.class))
                .returns(Duration.ofMillis(200), AuditProperties::retryInitialInterval)
                .returns(Duration.ofSeconds(10), AuditProperties::retryMaxInterval));
        audit.withPropertyValues("bulk.audit.retry-initial-interval=1ms", "bulk.audit.retry-max-interval=1ms")
                .run(context -> assertThat(context.getBean(AuditProperties.class))
                        .returns(Duration.ofMillis(1), AuditProperties::retryInitialInterval)
                        .returns(Duration.ofMillis(1), AuditProperties::retryMaxInterval));
    }

    /**
     * Before, 0 started the audit-consumer and a failed write was tried again without a pause, and -1ms
     * (the back-off's "stop") sent the events of the first write that failed in a database outage to the
     * dead-letter topic instead of trying them again.
     */
    @Test
    void aFirstPauseThatIsNotPositiveIsRefused() {
        Map.of("0", "0s", "-1ms", "-1ms", "-10s", "-10s")
                .forEach((interval, shown) -> audit.withPropertyValues("bulk.audit.retry-initial-interval=" + interval)
                        .run(context -> assertThat(context)
                                .hasFailed()
                                .getFailure()
                                .rootCause()
                                .hasMessageStartingWith("bulk.audit.retry-initial-interval is " + shown
                                        + "; it must be positive (200ms by default)")));
    }

    @Test
    void aLongestPauseShorterThanTheFirstIsRefused() {
        audit.withPropertyValues("bulk.audit.retry-max-interval=100ms")
                .run(context -> assertThat(context)
                        .hasFailed()
                        .getFailure()
                        .rootCause()
                        .hasMessage("bulk.audit.retry-max-interval is 100ms; it must be at least"
                                + " bulk.audit.retry-initial-interval, 200ms (10s by default)"));
        audit.withPropertyValues("bulk.audit.retry-max-interval=-1ms")
                .run(context -> assertThat(context)
                        .hasFailed()
                        .getFailure()
                        .rootCause()
                        .hasMessageStartingWith("bulk.audit.retry-max-interval is -1ms; it must be at least"));
    }

    /**
     * Before, a malformed topic name started the audit-consumer, which then read nothing, and a dead-letter
     * topic the same as the activity topic sent each dead letter back to be read, and dead-lettered, again.
     */
    @Test
    void aTopicNameKafkaRefusesOrTheActivityTopicAsDeadLetterTopicIsRefusedNamingTheVariable() {
        audit.withPropertyValues("bulk.audit.activity-topic=portfolio/account-activity")
                .run(context -> assertThat(context)
                        .hasFailed()
                        .getFailure()
                        .rootCause()
                        .hasMessageStartingWith("bulk.audit.activity-topic (BULK_ACTIVITY_TOPIC) is"
                                + " 'portfolio/account-activity', which Kafka refuses as a topic name: "));
        audit.withPropertyValues("bulk.audit.dead-letter-topic=portfolio.account-activity")
                .run(context -> assertThat(context)
                        .hasFailed()
                        .getFailure()
                        .rootCause()
                        .hasMessage("bulk.audit.dead-letter-topic (BULK_ACTIVITY_DLT_TOPIC) is"
                                + " 'portfolio.account-activity', which Kafka takes for the same topic as"
                                + " bulk.audit.activity-topic (BULK_ACTIVITY_TOPIC), 'portfolio.account-activity':"
                                + " give each its own name"));
        audit.run(context -> assertThat(context.getBean(AuditProperties.class))
                .returns("portfolio.account-activity", AuditProperties::activityTopic)
                .returns("portfolio.account-activity-dlt", AuditProperties::deadLetterTopic));
    }

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties(AuditProperties.class)
    static class Audit {}
}
