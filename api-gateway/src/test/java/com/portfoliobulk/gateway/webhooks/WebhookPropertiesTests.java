package com.portfoliobulk.gateway.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;

/**
 * A claimed message's lease outlasts its attempt: connect plus read timeout, and a margin for the
 * address check before it and the outcome stored after it. A shorter lease would let another gateway
 * send the message while the first one still waits for the answer, so the gateway does not start.
 */
class WebhookPropertiesTests {

    private final ApplicationContextRunner gateway =
            new ApplicationContextRunner().withUserConfiguration(Webhooks.class);

    @Test
    void theDefaultLeaseOutlastsTheDefaultTimeoutsAndALongerOneIsKept() {
        gateway.run(context ->
                assertThat(context.getBean(WebhookProperties.class).lease()).isEqualTo(Duration.ofMinutes(1)));
        gateway.withPropertyValues("bulk.gateway.webhooks.read-timeout=60s", "bulk.gateway.webhooks.lease=68s")
                .run(context -> assertThat(
                                context.getBean(WebhookProperties.class).lease())
                        .isEqualTo(Duration.ofSeconds(68)));
    }

    @Test
    void aLeaseNoLongerThanAnAttemptIsRefusedNamingTheSettings() {
        gateway.withPropertyValues("bulk.gateway.webhooks.read-timeout=60s")
                .run(context -> assertThat(context)
                        .hasFailed()
                        .getFailure()
                        .rootCause()
                        .hasMessageContaining("bulk.gateway.webhooks.lease is 1m; it must be at least 1m8s:"
                                + " connect-timeout (5s) plus read-timeout (1m)")
                        .hasMessageContaining("Raise bulk.gateway.webhooks.lease, or lower the timeouts."));
        gateway.withPropertyValues("bulk.gateway.webhooks.lease=17s")
                .run(context -> assertThat(context)
                        .hasFailed()
                        .getFailure()
                        .rootCause()
                        .hasMessageContaining("bulk.gateway.webhooks.lease is 17s; it must be at least 18s"));
    }

    /**
     * Before, 0 started the gateway, and a failing receiver was called again at every poll (1 s) for the
     * whole retry period, 24 h.
     */
    @Test
    void aBackOffUnder1MillisecondIsRefusedNamingIt() {
        gateway.run(
                context -> assertThat(context.getBean(WebhookProperties.class).initialBackoff())
                        .isEqualTo(Duration.ofSeconds(10)));
        for (String[] refused : new String[][] {{"0", "0s"}, {"500us", "0.0005s"}, {"-1s", "-1s"}}) {
            gateway.withPropertyValues("bulk.gateway.webhooks.initial-backoff=" + refused[0])
                    .run(context -> assertThat(context)
                            .hasFailed()
                            .getFailure()
                            .rootCause()
                            .hasMessageStartingWith("bulk.gateway.webhooks.initial-backoff is " + refused[1]
                                    + "; it must be at least 1ms (10s by default)"));
        }
        gateway.withPropertyValues("bulk.gateway.webhooks.max-backoff=5s")
                .run(context -> assertThat(context)
                        .hasFailed()
                        .getFailure()
                        .rootCause()
                        .hasMessage("bulk.gateway.webhooks.max-backoff is 5s; it must be at least"
                                + " bulk.gateway.webhooks.initial-backoff, 10s"));
    }

    /**
     * Before, a poll interval of 0 (or under 1 ms) started the gateway, and an idle dispatcher looked
     * for events and due messages without a pause; so did a failing one with a pass back-off of 0.
     */
    @Test
    void aPollIntervalUnderOneMillisecondOrAShorterPassBackOffIsRefusedNamingIt() {
        gateway.withPropertyValues(
                        "bulk.gateway.webhooks.poll-interval=1ms", "bulk.gateway.webhooks.pass-max-backoff=1ms")
                .run(context -> assertThat(
                                context.getBean(WebhookProperties.class).passMaxBackoff())
                        .isEqualTo(Duration.ofMillis(1)));
        for (String[] refused : new String[][] {{"0", "0s"}, {"500us", "0.0005s"}, {"-1s", "-1s"}}) {
            gateway.withPropertyValues("bulk.gateway.webhooks.poll-interval=" + refused[0])
                    .run(context -> assertThat(context)
                            .hasFailed()
                            .getFailure()
                            .rootCause()
                            .hasMessageStartingWith("bulk.gateway.webhooks.poll-interval is " + refused[1]
                                    + "; it must be at least 1ms (1s by default)"));
        }
        gateway.withPropertyValues("bulk.gateway.webhooks.pass-max-backoff=0")
                .run(context -> assertThat(context)
                        .hasFailed()
                        .getFailure()
                        .rootCause()
                        .hasMessageStartingWith("bulk.gateway.webhooks.pass-max-backoff is 0s; it must be at least"
                                + " bulk.gateway.webhooks.poll-interval, 1s"));
    }

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties(WebhookProperties.class)
    static class Webhooks {}
}
