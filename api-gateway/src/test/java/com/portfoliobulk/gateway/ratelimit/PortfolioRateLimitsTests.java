package com.portfoliobulk.gateway.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.portfoliobulk.gateway.web.RequestRefusedException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class PortfolioRateLimitsTests {

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

    @Test
    void allowsTheLimitPerPeriodThenAnswers429WithTheSecondsUntilThePeriodEnds() {
        PortfolioRateLimits limits = limits(2, Duration.ofMinutes(1));
        UUID portfolio = UUID.randomUUID();
        limits.acquire(portfolio);
        limits.acquire(portfolio);

        assertThatThrownBy(() -> limits.acquire(portfolio))
                .isInstanceOfSatisfying(RequestRefusedException.class, ex -> {
                    assertThat(ex.reason()).isEqualTo(RequestRefusedException.Reason.RATE_LIMITED);
                    assertThat(ex.retryAfterSeconds()).isBetween(1L, 60L);
                    assertThat(ex.getMessage()).contains("at most 2 submissions per 60 seconds");
                });
        assertThat(meters.get("bulk.requests.rate.limited")
                        .tag("endpoint", "submissions")
                        .counter()
                        .count())
                .isEqualTo(1);
    }

    @Test
    void eachPortfolioHasItsOwnAllowance() {
        PortfolioRateLimits limits = limits(1, Duration.ofMinutes(1));
        UUID first = UUID.randomUUID();
        limits.acquire(first);

        limits.acquire(UUID.randomUUID());

        assertThatThrownBy(() -> limits.acquire(first)).isInstanceOf(RequestRefusedException.class);
    }

    @Test
    void forgetsOnlyPortfoliosWhoseAllowanceIsWhole() {
        PortfolioRateLimits limits = limits(2, Duration.ofMinutes(1));
        UUID busy = UUID.randomUUID();
        limits.acquire(busy);
        limits.acquire(busy);
        assertThat(limits.tracked()).isOne();

        limits.forgetIdle();

        assertThat(limits.tracked()).isOne();
        assertThatThrownBy(() -> limits.acquire(busy)).isInstanceOf(RequestRefusedException.class);
    }

    @Test
    void forgetsPortfoliosQuietForAWholePeriod() {
        PortfolioRateLimits limits = limits(1, Duration.ofMillis(1));
        limits.acquire(UUID.randomUUID());

        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            limits.forgetIdle();
            assertThat(limits.tracked()).isZero();
        });
    }

    private PortfolioRateLimits limits(int limitForPeriod, Duration period) {
        return new PortfolioRateLimits("submissions", new RateLimitProperties.Limit(limitForPeriod, period), meters);
    }
}
