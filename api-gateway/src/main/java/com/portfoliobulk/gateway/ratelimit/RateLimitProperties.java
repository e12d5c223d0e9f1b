package com.portfoliobulk.gateway.ratelimit;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import java.util.Locale;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * How many requests of each limited kind one portfolio may make.
 *
 * @param submissions job submissions ({@code POST .../bulk-jobs})
 * @param previews job previews ({@code POST .../bulk-jobs/preview})
 * @param scim every request of the portfolio's identity provider to its SCIM endpoints
 *     ({@code /scim/v2/portfolios/{portfolioId}/**})
 * @param sweepInterval how often the ended windows, and the fallback limiters of portfolios that have
 *     been quiet for a whole period, are forgotten, so that storage follows the active portfolios only
 * @param timeout the longest the shared count may take (waiting for a connection, no less than 250 ms,
 *     then for the statement); past it the request is counted by this gateway alone. PostgreSQL's
 *     {@code statement_timeout} of the shared count's connections, in whole milliseconds, from 1 ms to
 *     {@link Integer#MAX_VALUE} ms
 * @param poolSize the connections of the shared count's own pool, per gateway
 * @param maxConcurrentPerPortfolio how many of one portfolio's submissions, previews and cancellations
 *     one gateway runs at once, each with a connection of its main pool ({@link PortfolioConcurrency}):
 *     from 1 to one less than that pool's size
 */
@Validated
@ConfigurationProperties("bulk.gateway.rate-limit")
record RateLimitProperties(
        @DefaultValue @Valid Limit submissions,
        @DefaultValue @Valid Limit previews,
        @DefaultValue @Valid Limit scim,
        @DefaultValue("5m") @NotNull Duration sweepInterval,
        @DefaultValue("250ms") @NotNull Duration timeout,
        @DefaultValue("4") @Min(1) int poolSize,
        @DefaultValue("2") @Min(1) int maxConcurrentPerPortfolio) {

    RateLimitProperties {
        // A period under 1 ms is a window of 0 ms in the shared count (PostgresRateWindows, whole
        // milliseconds): every request started a new window, and no portfolio was ever limited.
        refreshPeriod(submissions, "submissions");
        refreshPeriod(previews, "previews");
        refreshPeriod(scim, "scim");
        // PostgreSQL's statement_timeout, set as each connection of the shared count's pool opens
        // (PostgresRateWindows), in whole milliseconds: 0 is no timeout at all, and below 0 or above its
        // largest value no connection opened, so every limited request waited that long for one before this
        // gateway counted it alone.
        if (timeout != null
                && (timeout.compareTo(Duration.ofMillis(1)) < 0
                        || timeout.compareTo(Duration.ofMillis(Integer.MAX_VALUE)) > 0)) {
            throw new IllegalArgumentException("bulk.gateway.rate-limit.timeout is "
                    + timeout.toString().substring(2).toLowerCase(Locale.ROOT) + "; it must be from 1ms to "
                    + Integer.MAX_VALUE + "ms (about 24.8 days), PostgreSQL's statement_timeout of the shared"
                    + " count: shorter than 1ms is no timeout at all, and outside that range no connection of"
                    + " the shared count opens, so every submission, preview and SCIM request waits that long"
                    + " before this gateway counts it alone. Set it to 250ms (1s when the network drops"
                    + " packets)");
        }
    }

    private static void refreshPeriod(Limit limit, String kind) {
        if (limit != null
                && limit.refreshPeriod() != null
                && limit.refreshPeriod().compareTo(Duration.ofMillis(1)) < 0) {
            throw new IllegalArgumentException("bulk.gateway.rate-limit." + kind + ".refresh-period is "
                    + limit.refreshPeriod().toString().substring(2).toLowerCase(Locale.ROOT)
                    + "; it must be at least 1ms (1m by default), or every request starts a new window and"
                    + " the portfolio's " + kind + " are never limited");
        }
    }

    /**
     * A fixed window: at most {@code limitForPeriod} requests per {@code refreshPeriod}.
     *
     * @param limitForPeriod the requests allowed per period
     * @param refreshPeriod the period
     */
    record Limit(
            @DefaultValue("60") @Min(1) int limitForPeriod,
            @DefaultValue("1m") @NotNull Duration refreshPeriod) {}
}
