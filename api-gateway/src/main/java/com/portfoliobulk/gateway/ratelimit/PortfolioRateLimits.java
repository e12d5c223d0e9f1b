package com.portfoliobulk.gateway.ratelimit;

import com.portfoliobulk.gateway.web.RequestRefusedException;
import com.portfoliobulk.gateway.web.RequestRefusedException.Reason;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
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
 * is counted by this instance alone instead, in its own copy of the portfolio's window: the end and
 * the count of the shared window as last answered, to which it adds the requests it counts alone, and
 * a window of its own of the same length once that one has ended. The limit thus still holds per
 * gateway in the shared window, so a flood is never let through unchecked, a portfolio whose window has
 * ended is never refused for the one before, and the limit holds across gateways again as soon as the
 * database answers. Such requests count in {@code bulk_requests_rate_limit_fallbacks_total{endpoint}}.
 *
 * <p>{@link #forgetIdle()} drops the copies of windows that have ended (no copy at all allows exactly
 * the same), so only portfolios that made a request within about a period are kept.
 */
final class PortfolioRateLimits {

    private static final Logger log = LoggerFactory.getLogger(PortfolioRateLimits.class);

    private static final long WARN_EVERY_NANOS = Duration.ofMinutes(1).toNanos();

    private final String endpoint;

    private final RateLimitProperties.Limit limit;

    private final RateWindows shared;

    private final LongSupplier nanoTime;

    /** This gateway's copy of each portfolio's window, by portfolio. */
    private final Map<UUID, Local> windows = new ConcurrentHashMap<>();

    private final Counter rejected;

    private final Counter fellBack;

    private final AtomicLong warnedAt;

    PortfolioRateLimits(String endpoint, RateLimitProperties.Limit limit, RateWindows shared, MeterRegistry meters) {
        this(endpoint, limit, shared, meters, System::nanoTime);
    }

    /** @param nanoTime the monotonic clock of the windows' ends here, in nanoseconds ({@link System#nanoTime()}) */
    PortfolioRateLimits(
            String endpoint,
            RateLimitProperties.Limit limit,
            RateWindows shared,
            MeterRegistry meters,
            LongSupplier nanoTime) {
        this.endpoint = endpoint;
        this.limit = limit;
        this.shared = shared;
        this.nanoTime = nanoTime;
        this.warnedAt = new AtomicLong(nanoTime.getAsLong() - WARN_EVERY_NANOS);
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
            fellBack(ex);
            Local here = countHere(portfolioId);
            if (here.requests() > limit.limitForPeriod()) {
                throw refused(here.endsAt() - nanoTime.getAsLong());
            }
            return;
        }
        // Copied here, so that while the shared count does not answer (the database down, or its few
        // connections busy with a burst) this gateway admits only what is left of the window's
        // allowance, not a whole one more, and until the window's end, not its own.
        copy(portfolioId, window);
        if (window.requests() > limit.limitForPeriod()) {
            throw refused(window.left().toNanos());
        }
    }

    /**
     * Counts one request of the portfolio that has already been let in, without refusing it: a request
     * found to be of this kind only once it was answered. It uses up a permit as {@link #acquire} does,
     * in the shared window or, when that does not answer, here, so the next request of the kind finds
     * fewer left.
     */
    void count(UUID portfolioId) {
        try {
            copy(portfolioId, shared.take(portfolioId, endpoint, limit.refreshPeriod()));
        } catch (RateWindows.Unavailable ex) {
            fellBack(ex);
            countHere(portfolioId);
        }
    }

    /**
     * Keeps the shared window as answered: its end and its count, the requests of every gateway. An
     * answer that arrives after that of a later request keeps the higher count of the window, as do the
     * requests counted here alone meanwhile; one of a window before the one kept changes nothing.
     */
    private void copy(UUID portfolioId, RateWindows.Window window) {
        long now = nanoTime.getAsLong();
        Local answered = new Local(now + window.left().toNanos(), window.requests());
        // Windows follow one another a whole period apart; their ends seen here differ by a round trip.
        long apart = limit.refreshPeriod().toNanos() / 2;
        windows.merge(portfolioId, answered, (kept, current) -> {
            if (kept.endsAt() - now <= 0 || current.endsAt() - kept.endsAt() >= apart) {
                return current;
            }
            if (kept.endsAt() - current.endsAt() >= apart) {
                return kept;
            }
            return new Local(current.endsAt(), Math.max(kept.requests(), current.requests()));
        });
    }

    /** Counts one request in this gateway's copy of the window, starting one of a period if it has ended. */
    private Local countHere(UUID portfolioId) {
        long now = nanoTime.getAsLong();
        return windows.compute(
                portfolioId,
                (id, kept) -> kept == null || kept.endsAt() - now <= 0
                        ? new Local(now + limit.refreshPeriod().toNanos(), 1)
                        : new Local(kept.endsAt(), kept.requests() + 1));
    }

    private void fellBack(RateWindows.Unavailable cause) {
        fellBack.increment();
        long now = nanoTime.getAsLong();
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

    /** Drops the copies of windows that have ended: their portfolios made no request since. */
    void forgetIdle() {
        long now = nanoTime.getAsLong();
        windows.values().removeIf(window -> window.endsAt() - now <= 0);
    }

    /** How many portfolios have a window kept here now. */
    int tracked() {
        return windows.size();
    }

    /**
     * A portfolio's window as this gateway knows it.
     *
     * @param endsAt when it ends, on {@code nanoTime}
     * @param requests the requests counted in it, also those refused, as the shared windows count them
     */
    private record Local(long endsAt, long requests) {}
}
