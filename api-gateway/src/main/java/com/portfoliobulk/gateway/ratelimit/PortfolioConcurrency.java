package com.portfoliobulk.gateway.ratelimit;

import com.portfoliobulk.gateway.jobs.PortfolioConcurrencyLimit;
import com.portfoliobulk.gateway.web.PermitsPerKey;
import com.portfoliobulk.gateway.web.RequestRefusedException;
import com.portfoliobulk.gateway.web.RequestRefusedException.Reason;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * How many of one portfolio's submissions, previews and cancellations one gateway runs at once ({@code
 * bulk.gateway.rate-limit.max-concurrent-per-portfolio}, 2 by default), all kinds together. Each holds a
 * connection of the gateway's database pool ({@code BULK_DB_POOL_SIZE}, 10) while it plans its job and
 * stores it, walks its whole plan, or cancels a job's pending tasks: a submission's insert of up to the
 * task cap, a preview's read of as many targets, a cancellation's update of as many tasks. The rate
 * limits count requests per minute and let a minute's allowance come at once, and cancellations are not
 * counted at all, so without this bound one portfolio's script sending its submissions (or previews, or
 * cancellations of large jobs) all at once took every connection of a gateway, and every other
 * portfolio's request there that needed the database waited the pool's 5 s for one and was answered 503.
 *
 * <p>Only that work takes a place: a request's body has been read, validated and counted in the rate
 * limit before, and a replay of an existing job takes none. Work over the bound waits up to {@link #WAIT}
 * for one of its portfolio's to end, then its request is answered 503 with {@code Retry-After}, nothing
 * changed. Refusals count in {@code bulk_requests_concurrency_refused_total{endpoint}} ({@code
 * submissions}, {@code previews}, {@code cancellations}). A portfolio is kept only while work of it runs
 * or waits ({@link PermitsPerKey}).
 */
@Component
final class PortfolioConcurrency implements PortfolioConcurrencyLimit {

    /** How long work waits for a place before its request is answered 503. */
    static final Duration WAIT = Duration.ofSeconds(2);

    static final String SETTING = "bulk.gateway.rate-limit.max-concurrent-per-portfolio";

    private final int limit;

    private final PermitsPerKey<UUID> running;

    private final Map<Work, Counter> refused = new EnumMap<>(Work.class);

    /**
     * @param databasePoolSize the connections of the gateway's database pool (HikariCP's default when
     *     unset), which one portfolio's work at once must stay under
     * @throws IllegalStateException when the bound is not from 1 to one less than {@code databasePoolSize}
     */
    @Autowired
    PortfolioConcurrency(
            RateLimitProperties properties,
            @Value("${spring.datasource.hikari.maximum-pool-size:10}") int databasePoolSize,
            MeterRegistry meters) {
        this(properties.maxConcurrentPerPortfolio(), databasePoolSize, meters);
    }

    /** @param limit how many of one portfolio's submissions, previews and cancellations run at once */
    PortfolioConcurrency(int limit, int databasePoolSize, MeterRegistry meters) {
        if (limit < 1 || limit >= databasePoolSize) {
            throw new IllegalStateException(SETTING + " is " + limit + "; it must be at least 1 and less than the"
                    + " gateway's database pool (spring.datasource.hikari.maximum-pool-size, BULK_DB_POOL_SIZE: "
                    + databasePoolSize + " connections), so that one portfolio's submissions, previews and"
                    + " cancellations, each"
                    + " holding a connection, always leave some to the other portfolios");
        }
        this.limit = limit;
        this.running = new PermitsPerKey<>(portfolioId -> limit);
        for (Work work : Work.values()) {
            refused.put(
                    work,
                    Counter.builder("bulk.requests.concurrency.refused")
                            .description("Submissions, previews and cancellations answered 503 because as many"
                                    + " of their portfolio's as one gateway runs at once were running")
                            .tag("endpoint", endpoint(work))
                            .register(meters));
        }
    }

    /** The metric's name of the kind of work, as the rate limits name its requests. */
    private static String endpoint(Work work) {
        return work.name().toLowerCase(Locale.ROOT) + "s";
    }

    @Override
    public <T> T run(UUID portfolioId, Work work, Supplier<T> task) {
        PermitsPerKey<UUID>.Held place;
        try {
            place = running.tryAcquire(portfolioId, 1, WAIT);
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw busy(portfolioId, work, ex);
        }
        if (place == null) {
            throw busy(portfolioId, work, null);
        }
        try {
            return task.get();
        } finally {
            place.release();
        }
    }

    /** The refusal, which names the portfolio for the log line the 503 is logged with. */
    private RequestRefusedException busy(UUID portfolioId, Work work, Throwable cause) {
        refused.get(work).increment();
        return new RequestRefusedException(
                Reason.UNAVAILABLE,
                "Service unavailable",
                "This gateway is running as many submissions, previews and cancellations of the portfolio "
                        + portfolioId
                        + " as it runs at once (" + limit + ", " + SETTING + "); nothing was changed, try again"
                        + " shortly, once one of them is answered.",
                List.of(),
                WAIT.toSeconds(),
                cause);
    }

    /** Whether the portfolio is kept: work of it runs, or waits for a place. */
    boolean tracks(UUID portfolioId) {
        return running.tracks(portfolioId);
    }
}
