package com.portfoliobulk.gateway.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.portfoliobulk.gateway.web.RequestRefusedException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.Test;

class PortfolioRateLimitsTests {

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

    /** The monotonic clock of the gateway and of the shared windows, in nanoseconds. */
    private final AtomicLong nanoTime = new AtomicLong(System.nanoTime());

    private final InMemoryWindows shared = new InMemoryWindows(nanoTime::get);

    @Test
    void allowsTheLimitPerPeriodThenAnswers429WithTheSecondsUntilThePeriodEnds() {
        PortfolioRateLimits limits = limits(2, Duration.ofMinutes(1), shared);
        UUID portfolio = UUID.randomUUID();
        limits.acquire(portfolio);
        limits.acquire(portfolio);

        assertThatThrownBy(() -> limits.acquire(portfolio))
                .isInstanceOfSatisfying(RequestRefusedException.class, ex -> {
                    assertThat(ex.reason()).isEqualTo(RequestRefusedException.Reason.RATE_LIMITED);
                    assertThat(ex.retryAfterSeconds()).isBetween(1L, 60L);
                    assertThat(ex.getMessage()).contains("at most 2 submissions per 60 seconds");
                    assertThat(ex.headers().getFirst("RateLimit-Policy")).isEqualTo("\"submissions\";q=2;w=60");
                });
        assertThat(counter("bulk.requests.rate.limited")).isEqualTo(1);
        assertThat(counter("bulk.requests.rate.limit.fallbacks")).isZero();
    }

    /** Counting after the fact never refuses, but uses up the allowance, in the shared windows and in the fallback. */
    @Test
    void aRequestCountedAfterTheFactUsesUpAPermitAndIsNeverRefused() {
        PortfolioRateLimits limits = limits(2, Duration.ofMinutes(1), shared);
        UUID portfolio = UUID.randomUUID();
        limits.count(portfolio);
        limits.acquire(portfolio);
        limits.count(portfolio);

        assertThatThrownBy(() -> limits.acquire(portfolio)).isInstanceOf(RequestRefusedException.class);

        PortfolioRateLimits alone = limits(2, Duration.ofMinutes(1), unavailable());
        alone.count(portfolio);
        alone.count(portfolio);
        alone.count(portfolio);
        assertThatThrownBy(() -> alone.acquire(portfolio)).isInstanceOf(RequestRefusedException.class);
    }

    @Test
    void gatewaysSharingTheWindowsAllowTheLimitInAll() {
        PortfolioRateLimits one = limits(3, Duration.ofMinutes(1), shared);
        PortfolioRateLimits other = limits(3, Duration.ofMinutes(1), shared);
        UUID portfolio = UUID.randomUUID();
        one.acquire(portfolio);
        other.acquire(portfolio);
        one.acquire(portfolio);

        assertThatThrownBy(() -> other.acquire(portfolio)).isInstanceOf(RequestRefusedException.class);
        assertThatThrownBy(() -> one.acquire(portfolio)).isInstanceOf(RequestRefusedException.class);
    }

    @Test
    void eachPortfolioHasItsOwnAllowance() {
        PortfolioRateLimits limits = limits(1, Duration.ofMinutes(1), shared);
        UUID first = UUID.randomUUID();
        limits.acquire(first);

        limits.acquire(UUID.randomUUID());

        assertThatThrownBy(() -> limits.acquire(first)).isInstanceOf(RequestRefusedException.class);
    }

    @Test
    void whenTheSharedCountDoesNotAnswerEachGatewayStillLimitsOnItsOwn() {
        PortfolioRateLimits limits = limits(2, Duration.ofMinutes(1), unavailable());
        UUID portfolio = UUID.randomUUID();
        limits.acquire(portfolio);
        limits.acquire(portfolio);

        assertThatThrownBy(() -> limits.acquire(portfolio))
                .isInstanceOfSatisfying(
                        RequestRefusedException.class,
                        ex -> assertThat(ex.retryAfterSeconds()).isBetween(1L, 60L));
        assertThat(counter("bulk.requests.rate.limit.fallbacks")).isEqualTo(3);
        assertThat(counter("bulk.requests.rate.limited")).isEqualTo(1);
    }

    /**
     * A burst that the shared count cannot take in time (its few connections busy) falls back to this
     * gateway's own count, which already holds what the shared count admitted here: no whole allowance
     * more.
     */
    @Test
    void whenTheSharedCountStopsAnsweringTheGatewayAdmitsOnlyWhatIsLeftOfTheAllowance() {
        AtomicBoolean down = new AtomicBoolean();
        PortfolioRateLimits limits = limits(3, Duration.ofMinutes(1), downWhen(down));
        UUID portfolio = UUID.randomUUID();
        limits.acquire(portfolio);
        limits.acquire(portfolio);

        down.set(true);
        limits.acquire(portfolio);

        assertThatThrownBy(() -> limits.acquire(portfolio))
                .as("a fourth request of an allowance of 3")
                .isInstanceOf(RequestRefusedException.class);
    }

    /**
     * The review's case: the portfolio's shared window starts 70 s after its first one, and the gateway
     * uses up its allowance in it; when the shared count stops answering 51 s later, a minute after the
     * first window started, the gateway still counts in that shared window, not in a minute of its own.
     */
    @Test
    void whenTheSharedCountStopsAnsweringTheGatewayCountsInTheSharedWindowNotInOneOfItsOwn() {
        AtomicBoolean down = new AtomicBoolean();
        PortfolioRateLimits limits = limits(3, Duration.ofMinutes(1), downWhen(down));
        UUID portfolio = UUID.randomUUID();
        limits.acquire(portfolio);
        advance(Duration.ofSeconds(70));
        limits.acquire(portfolio);
        limits.acquire(portfolio);
        limits.acquire(portfolio);

        advance(Duration.ofSeconds(51));
        down.set(true);

        assertThatThrownBy(() -> limits.acquire(portfolio))
                .as("a fourth request in the shared window of 70 s to 130 s")
                .isInstanceOfSatisfying(
                        RequestRefusedException.class,
                        ex -> assertThat(ex.retryAfterSeconds()).isEqualTo(9));
        advance(Duration.ofSeconds(9));
        limits.acquire(portfolio);
        assertThat(counter("bulk.requests.rate.limit.fallbacks")).isEqualTo(2);
    }

    /** Once the shared window has ended, a hiccup of the shared count does not refuse the portfolio for it. */
    @Test
    void whenTheSharedCountStopsAnsweringAfterItsWindowEndedThePortfolioHasAWholeAllowance() {
        AtomicBoolean down = new AtomicBoolean();
        PortfolioRateLimits limits = limits(3, Duration.ofMinutes(1), downWhen(down));
        UUID portfolio = UUID.randomUUID();
        limits.acquire(portfolio);
        limits.acquire(portfolio);
        limits.acquire(portfolio);

        advance(Duration.ofSeconds(61));
        down.set(true);
        limits.acquire(portfolio);
        limits.acquire(portfolio);
        limits.acquire(portfolio);

        assertThatThrownBy(() -> limits.acquire(portfolio))
                .isInstanceOfSatisfying(
                        RequestRefusedException.class,
                        ex -> assertThat(ex.retryAfterSeconds()).isEqualTo(60));
    }

    @Test
    void forgetsOnlyPortfoliosWhoseWindowHasEnded() {
        PortfolioRateLimits limits = limits(2, Duration.ofMinutes(1), unavailable());
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
        PortfolioRateLimits limits = limits(1, Duration.ofMinutes(1), unavailable());
        limits.acquire(UUID.randomUUID());
        advance(Duration.ofSeconds(59));
        limits.forgetIdle();
        assertThat(limits.tracked()).isOne();

        advance(Duration.ofSeconds(1));
        limits.forgetIdle();

        assertThat(limits.tracked()).isZero();
    }

    private PortfolioRateLimits limits(int limitForPeriod, Duration period, RateWindows windows) {
        return new PortfolioRateLimits(
                "submissions", new RateLimitProperties.Limit(limitForPeriod, period), windows, meters, nanoTime::get);
    }

    private void advance(Duration duration) {
        nanoTime.addAndGet(duration.toNanos());
    }

    /** The shared windows, which do not answer while {@code down} is set. */
    private RateWindows downWhen(AtomicBoolean down) {
        return (portfolioId, kind, period) -> {
            if (down.get()) {
                throw new RateWindows.Unavailable("busy", new java.sql.SQLTransientConnectionException("timed out"));
            }
            return shared.take(portfolioId, kind, period);
        };
    }

    private double counter(String name) {
        return meters.get(name).tag("endpoint", "submissions").counter().count();
    }

    private static RateWindows unavailable() {
        return (portfolioId, kind, period) -> {
            throw new RateWindows.Unavailable("down", new java.sql.SQLTransientConnectionException("timed out"));
        };
    }

    /** Fixed windows kept in memory, as the database keeps them for all gateways. */
    private static final class InMemoryWindows implements RateWindows {

        private final Map<String, long[]> windows = new ConcurrentHashMap<>();

        private final LongSupplier nanoTime;

        InMemoryWindows(LongSupplier nanoTime) {
            this.nanoTime = nanoTime;
        }

        @Override
        public Window take(UUID portfolioId, String kind, Duration period) {
            long now = nanoTime.getAsLong();
            long[] window = windows.compute(
                    portfolioId + kind,
                    (key, current) -> current == null || current[0] <= now
                            ? new long[] {now + period.toNanos(), 1}
                            : new long[] {current[0], current[1] + 1});
            return new Window(window[1], Duration.ofNanos(window[0] - now));
        }
    }
}
