package com.portfoliobulk.gateway.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;

/**
 * The shared count waits at most {@code bulk.gateway.rate-limit.timeout}, its connections'
 * {@code statement_timeout}, from 1 ms to {@link Integer#MAX_VALUE} ms: under 1 ms is no timeout at all,
 * and outside that range no connection of the shared count opens. Such a setting stops the gateway from
 * starting, with the reason.
 */
class RateLimitPropertiesTests {

    private final ApplicationContextRunner gateway =
            new ApplicationContextRunner().withUserConfiguration(RateLimits.class);

    @Test
    void theSharedCountWaits250MillisecondsByDefaultAndAsLongAsSetWithinStatementTimeoutsRange() {
        gateway.run(context ->
                assertThat(context.getBean(RateLimitProperties.class).timeout()).isEqualTo(Duration.ofMillis(250)));
        for (String timeout : new String[] {"1ms", "2147483647ms"}) {
            gateway.withPropertyValues("bulk.gateway.rate-limit.timeout=" + timeout)
                    .run(context -> assertThat(
                                    context.getBean(RateLimitProperties.class).timeout())
                            .isEqualTo(Duration.ofMillis(Long.parseLong(timeout.replace("ms", "")))));
        }
    }

    /**
     * Before, such a timeout started the gateway: over 24.8 days (or negative), PostgreSQL refused the
     * {@code statement_timeout} of every connection of the shared count, and every submission, preview
     * and SCIM request waited that long for one before the gateway counted it alone.
     */
    @Test
    void aTimeoutOutsideStatementTimeoutsRangeIsRefused() {
        Map<String, String> refused = Map.of(
                "0", "0s",
                "500us", "0.0005s",
                "-1s", "-1s",
                "2147483648ms", "596h31m23.648s",
                "30d", "720h");
        refused.forEach((timeout, shown) -> gateway.withPropertyValues("bulk.gateway.rate-limit.timeout=" + timeout)
                .run(context -> assertThat(context)
                        .hasFailed()
                        .getFailure()
                        .rootCause()
                        .hasMessageContaining(
                                "bulk.gateway.rate-limit.timeout is " + shown + "; it must be from 1ms to 2147483647ms")
                        .hasMessageContaining("PostgreSQL's statement_timeout")
                        .hasMessageContaining("Set it to 250ms")));
    }

    /**
     * Before, such a period started the gateway, and each request of the portfolio began a window of its
     * own: no portfolio was ever limited.
     */
    @Test
    void aRefreshPeriodUnder1MillisecondIsRefusedNamingIt() {
        gateway.run(context -> assertThat(
                        context.getBean(RateLimitProperties.class).scim().refreshPeriod())
                .isEqualTo(Duration.ofMinutes(1)));
        for (String kind : new String[] {"submissions", "previews", "scim"}) {
            Map.of("0", "0s", "500us", "0.0005s", "-1m", "-1m")
                    .forEach((period, shown) -> gateway.withPropertyValues(
                                    "bulk.gateway.rate-limit." + kind + ".refresh-period=" + period)
                            .run(context -> assertThat(context)
                                    .hasFailed()
                                    .getFailure()
                                    .rootCause()
                                    .hasMessage("bulk.gateway.rate-limit." + kind + ".refresh-period is " + shown
                                            + "; it must be at least 1ms (1m by default), or every request starts a"
                                            + " new window and the portfolio's " + kind + " are never limited")));
        }
    }

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties(RateLimitProperties.class)
    static class RateLimits {}
}
