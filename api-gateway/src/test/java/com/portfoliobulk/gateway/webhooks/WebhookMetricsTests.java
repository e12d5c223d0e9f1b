package com.portfoliobulk.gateway.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Every delivery outcome's series is there at 0 before the first attempt, so that Prometheus sees the
 * attempts made before its first scrape after a start.
 */
class WebhookMetricsTests {

    @Test
    void everyOutcomesAttemptsAndDurationsAreAtZeroBeforeTheFirstAttempt() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        WebhookMetrics metrics =
                new WebhookMetrics(registry, new Deliveries(null), SenderProperties.of(false, Duration.ofSeconds(10)));

        for (String outcome : new String[] {"succeeded", "retried", "failed"}) {
            assertThat(registry.get("bulk.webhooks.deliveries")
                            .tag("outcome", outcome)
                            .counter()
                            .count())
                    .isZero();
            assertThat(registry.get("bulk.webhooks.delivery.duration")
                            .tag("outcome", outcome)
                            .timer()
                            .count())
                    .isZero();
        }

        metrics.attempt("retried", Duration.ofMillis(40));

        assertThat(registry.get("bulk.webhooks.delivery.duration")
                        .tag("outcome", "retried")
                        .timer()
                        .count())
                .isOne();
    }
}
