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
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One kind of rate-limited request (submissions, replays, previews, SCIM), counted per portfolio in fixed
 * windows that every gateway shares ({@link RateWindows}): however many gateways there are, a portfolio
 * gets {@code limitForPeriod} requests per {@code refreshPeriod} in all. A request over the limit is
 * answered 429 at once with {@code Retry-After} (the seconds until the window ends). Rejections count
 * in {@code bulk_requests_rate_limited_total{endpoint}}.
 *
 * <p>When the shared windows cannot answer in time (database down, slow or overloaded), the request
 * is counted by this instance alone instead, in a Resilience4j {@link RateLimiter} per portfolio that
 * never waits: the limit still holds per gateway, so a flood is never let through unchecked, and it
 * holds across gateways again as soon as the database answers. Such requests count in
 * {@code bulk_requests_rate_limit_fallbacks_total{endpoint}}.
 *
 * <p>The fallback limiters live in a registry of their own rather than the application's, so that
 * there is no meter per portfolio; {@link #forgetIdle()} drops those whose portfolio has been quiet
 * for a whole period (a fresh limiter would allow exactly the same).
 */
final class PortfolioRateLimits {

    private static final Logger log = LoggerFactory.getLogger(PortfolioRateLimits.class);

    private static final long WARN_EVERY_NANOS = Duration.ofMinutes(1).toNanos();

    private final String endpoint;

    private final RateLimitProperties.Limit limit;

    private final RateWindows shared;

    private final RateLimiterRegistry fallbacks;

    private final Counter rejected;

    private final Counter fellBack;

    private final AtomicLong warnedAt = new AtomicLong(System.nanoTime() - WARN_EVERY_NANOS);

    PortfolioRateLimits(String endpoint, RateLimitProperties.Limit limit, RateWindows shared, MeterRegistry meters) {
        this.endpoint = endpoint;
        this.limit = limit;
        this.shared = shared;
        this.fallbacks = RateLimiterRegistry.of(RateLimiterConfig.custom()
                .limitForPeriod(limit.limitForPeriod())
                .limitRefreshPeriod(limit.refreshPeriod())
                .timeoutDuration(Duration.ZERO)
                .build());
        this.rejected = Counter.builder("bulk.requests.rate.limited")
                .description("Requests answered 429 because their portfolio made too many of them")
                .tag("endpoint", endpoint)
                .register(meters);
        this.fellBack = Counter.builder("bulk.requests.rate.limit.fallbacks")
                .description("Requests counted by this gateway alone because the shared rate limit did not answer")
                .tag("endpoint", endpoint)
                .register(meters);
    }

    /**
     * Takes one permit of the portfolio.
     *
     * @throws RequestRefusedException RATE_LIMITED, with the seconds to wait, when none is left in this period
     */
    void acquire(UUID portfolioId) {
        RateWindows.Window window;
        try {
            window = shared.take(portfolioId, endpoint, limit.refreshPeriod());
        } catch (RateWindows.Unavailable ex) {
            acquireHere(portfolioId, ex);
            return;
        }
        if (window.requests() > limit.limitForPeriod()) {
            throw refused(window.left().toNanos());
        }
        // Admitted: counted here too, so that while the shared count does not answer (the database
        // down, or its few connections busy with a burst) this gateway admits only what is left of the
        // allowance, not a whole one more.
        fallbacks.rateLimiter(portfolioId.toString()).acquirePermission();
    }

    /**
     * Counts one request of the portfolio that has already been let in, without refusing it: a request
     * found to be of this kind only once it was answered. It uses up a permit as {@link #acquire} does,
     * here and in the shared window, so the next request of the kind finds fewer left.
     */
    void count(UUID portfolioId) {
        try {
            shared.take(portfolioId, endpoint, limit.refreshPeriod());
        } catch (RateWindows.Unavailable ex) {
            fellBack(ex);
        }
        fallbacks.rateLimiter(portfolioId.toString()).acquirePermission();
    }

    private void acquireHere(UUID portfolioId, RateWindows.Unavailable cause) {
        fellBack(cause);
        RateLimiter limiter = fallbacks.rateLimiter(portfolioId.toString());
        if (!limiter.acquirePermission()) {
            throw refused(nanosToWait(limiter));
        }
    }

    private void fellBack(RateWindows.Unavailable cause) {
        fellBack.increment();
        long now = System.nanoTime();
        long last = warnedAt.get();
        if (now - last >= WARN_EVERY_NANOS && warnedAt.compareAndSet(last, now)) {
            log.warn("The shared rate limit did not answer; counting {} per gateway for now", endpoint, cause);
        }
    }

    private RequestRefusedException refused(long nanosToWait) {
        rejected.increment();
        long seconds = Math.max(1, (nanosToWait + 999_999_999L) / 1_000_000_000L);
        RequestRefusedException tooMany = new RequestRefusedException(
                Reason.RATE_LIMITED,
                "Too many requests",
                "The portfolio may make at most " + limit.limitForPeriod() + " " + endpoint + " per "
                        + limit.refreshPeriod().toSeconds() + " seconds; retry in " + seconds + " seconds.",
                List.of(),
                seconds,
                null);
        RateLimitHeaders.exhausted(tooMany.headers(), endpoint, limit.limitForPeriod(), limit.refreshPeriod(), seconds);
        return tooMany;
    }

    /** Until the next permit; the whole period when the limiter cannot tell. */
    private long nanosToWait(RateLimiter limiter) {
        return limiter instanceof AtomicRateLimiter atomic
                ? atomic.getDetailedMetrics().getNanosToWait()
                : limit.refreshPeriod().toNanos();
    }

    /** Drops the fallback limiters whose permits are all back: their portfolios made no request for a period. */
    void forgetIdle() {
        for (RateLimiter limiter : fallbacks.getAllRateLimiters()) {
            if (limiter.getMetrics().getAvailablePermissions() >= limit.limitForPeriod()) {
                fallbacks.remove(limiter.getName());
            }
        }
    }

    /** How many portfolios have a fallback limiter now. */
    int tracked() {
        return fallbacks.getAllRateLimiters().size();
    }
}
