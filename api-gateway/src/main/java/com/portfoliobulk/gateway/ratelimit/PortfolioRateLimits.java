package com.portfoliobulk.gateway.ratelimit;

import com.portfoliobulk.gateway.web.RequestRefusedException;
import com.portfoliobulk.gateway.web.RequestRefusedException.Reason;
import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import io.github.resilience4j.ratelimiter.RateLimiterRegistry;
import io.github.resilience4j.ratelimiter.internal.AtomicRateLimiter;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

/**
 * One kind of rate-limited request (submissions, previews), counted per portfolio: a Resilience4j
 * {@link RateLimiter} per portfolio that never waits, so a request over the limit is answered 429
 * at once with {@code Retry-After} (the seconds until the period ends). Rejections count in
 * {@code bulk_requests_rate_limited_total{endpoint}}.
 *
 * <p>The limiters live in a registry of their own rather than the application's, so that there is
 * no meter per portfolio; {@link #forgetIdle()} drops those whose portfolio has been quiet for a
 * whole period (a fresh limiter would allow exactly the same).
 */
final class PortfolioRateLimits {

    private final String endpoint;

    private final RateLimitProperties.Limit limit;

    private final RateLimiterRegistry limiters;

    private final Counter rejected;

    PortfolioRateLimits(String endpoint, RateLimitProperties.Limit limit, MeterRegistry meters) {
        this.endpoint = endpoint;
        this.limit = limit;
        this.limiters = RateLimiterRegistry.of(RateLimiterConfig.custom()
                .limitForPeriod(limit.limitForPeriod())
                .limitRefreshPeriod(limit.refreshPeriod())
                .timeoutDuration(Duration.ZERO)
                .build());
        this.rejected = Counter.builder("bulk.requests.rate.limited")
                .description("Requests answered 429 because their portfolio made too many of them")
                .tag("endpoint", endpoint)
                .register(meters);
    }

    /**
     * Takes one permit of the portfolio.
     *
     * @throws RequestRefusedException RATE_LIMITED, with the seconds to wait, when none is left in this period
     */
    void acquire(UUID portfolioId) {
        RateLimiter limiter = limiters.rateLimiter(portfolioId.toString());
        if (limiter.acquirePermission()) {
            return;
        }
        rejected.increment();
        long seconds = Math.max(1, (nanosToWait(limiter) + 999_999_999L) / 1_000_000_000L);
        RequestRefusedException tooMany = new RequestRefusedException(
                Reason.RATE_LIMITED,
                "Too many requests",
                "The portfolio may make at most " + limit.limitForPeriod() + " " + endpoint + " per "
                        + limit.refreshPeriod().toSeconds() + " seconds; retry in " + seconds + " seconds.",
                List.of(),
                seconds,
                null);
        RateLimitHeaders.exhausted(tooMany.headers(), endpoint, limit.limitForPeriod(), limit.refreshPeriod(), seconds);
        throw tooMany;
    }

    /** Until the next permit; the whole period when the limiter cannot tell. */
    private long nanosToWait(RateLimiter limiter) {
        return limiter instanceof AtomicRateLimiter atomic
                ? atomic.getDetailedMetrics().getNanosToWait()
                : limit.refreshPeriod().toNanos();
    }

    /** Drops the limiters whose permits are all back: their portfolios made no request for a period. */
    void forgetIdle() {
        for (RateLimiter limiter : limiters.getAllRateLimiters()) {
            if (limiter.getMetrics().getAvailablePermissions() >= limit.limitForPeriod()) {
                limiters.remove(limiter.getName());
            }
        }
    }

    /** How many portfolios have a limiter now. */
    int tracked() {
        return limiters.getAllRateLimiters().size();
    }
}
