package com.portfoliobulk.gateway.webhooks;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import java.time.Duration;
import java.util.Locale;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Job webhooks.
 *
 * @param dispatcherEnabled whether this instance fans events out and delivers messages
 * @param secretKey base64 of the 32-byte AES key that encrypts the stored signing secrets; without it
 *     subscriptions cannot be created or delivered
 * @param allowLocalUrls accept {@code http://} URLs and loopback, private and link-local addresses;
 *     for local development and tests only
 * @param maxSubscriptionsPerPortfolio the most subscriptions one portfolio may have
 * @param connectTimeout how long a delivery waits to connect
 * @param readTimeout how long a delivery waits for the receiver's answer
 * @param initialBackoff the wait after the first failed attempt, doubling per attempt (with jitter)
 * @param maxBackoff the longest wait between two attempts
 * @param retryPeriod how long a message is retried before it fails
 * @param disableAfter how long a subscription may fail without a single success before it is disabled
 * @param pollInterval how often the dispatcher looks for events and due messages when idle
 * @param batchSize the most events fanned out, and messages claimed, per pass
 * @param maxConcurrentDeliveries the most messages this instance sends at once
 * @param maxConcurrentPerSubscription the most messages this instance sends at once to one subscription,
 *     so that a slow receiver holds at most this many of the slots
 * @param maxConcurrentPerPortfolio the most messages this instance sends at once to the subscriptions of
 *     one portfolio, so that a portfolio with many slow receivers holds at most this many of the slots
 * @param previousSecretOverlap how long a rotated-out signing secret goes on signing beside the new one
 * @param lease how long a claimed message is held by the instance sending it; after a crash another
 *     instance sends it once the lease has passed. At least {@link #LEASE_MARGIN} longer than
 *     connect plus read timeout, the longest an attempt takes (its check of the receiver's addresses,
 *     a DNS lookup, included): a lease that passes while the
 *     attempt still waits lets another instance send the message at the same time, and the first one's
 *     late outcome may then overwrite the other's. Also how long after a message's retry period an
 *     attempt that fell due within it is still made, before the message fails unsent
 * @param backlogRefreshInterval how long the backlog gauges reuse their last count
 * @param passMaxBackoff the longest wait between two failed passes of the dispatcher (the database
 *     unreachable): its waits start at {@code pollInterval} and double up to this, so delivery resumes
 *     soon after an outage whatever its length
 */
@Validated
@ConfigurationProperties("bulk.gateway.webhooks")
record WebhookProperties(
        @DefaultValue("true") boolean dispatcherEnabled,
        @DefaultValue("") String secretKey,
        @DefaultValue("false") boolean allowLocalUrls,
        @DefaultValue("20") @Min(1) int maxSubscriptionsPerPortfolio,
        @DefaultValue("5s") Duration connectTimeout,
        @DefaultValue("10s") Duration readTimeout,
        @DefaultValue("10s") Duration initialBackoff,
        @DefaultValue("1h") Duration maxBackoff,
        @DefaultValue("24h") Duration retryPeriod,
        @DefaultValue("24h") Duration disableAfter,
        @DefaultValue("1s") Duration pollInterval,
        @DefaultValue("100") @Min(1) @Max(1000) int batchSize,
        @DefaultValue("64") @Min(1) int maxConcurrentDeliveries,
        @DefaultValue("4") @Min(1) int maxConcurrentPerSubscription,
        @DefaultValue("16") @Min(1) int maxConcurrentPerPortfolio,
        @DefaultValue("24h") Duration previousSecretOverlap,
        @DefaultValue("1m") Duration lease,
        @DefaultValue("5s") Duration backlogRefreshInterval,
        @DefaultValue("10s") Duration passMaxBackoff) {

    /**
     * How much longer than an attempt's deadline a lease lasts at least: the attempt's outcome is stored
     * after it, which takes milliseconds, or a second or two with a busy database. The check of the
     * receiver's addresses before the exchange (a DNS lookup) counts within the deadline, however slow
     * the resolver.
     */
    static final Duration LEASE_MARGIN = Duration.ofSeconds(3);

    WebhookProperties {
        // 0 (or a back-off under 1 ms, RetrySchedule counts whole milliseconds) tried a failing receiver
        // again at every poll for the whole retry period; below 0, no failed message could be scheduled.
        if (initialBackoff != null && initialBackoff.compareTo(Duration.ofMillis(1)) < 0) {
            throw new IllegalArgumentException("bulk.gateway.webhooks.initial-backoff is " + text(initialBackoff)
                    + "; it must be at least 1ms (10s by default), or a failing receiver is called again at every"
                    + " poll for the whole retry period");
        }
        if (initialBackoff != null && maxBackoff != null && maxBackoff.compareTo(initialBackoff) < 0) {
            throw new IllegalArgumentException("bulk.gateway.webhooks.max-backoff is " + text(maxBackoff)
                    + "; it must be at least bulk.gateway.webhooks.initial-backoff, " + text(initialBackoff));
        }
        // 0 (or below 1 ms, waited in whole milliseconds) had an idle dispatcher look for events and due
        // messages again without a pause; a pass back-off of 0 did the same while the database failed.
        if (pollInterval != null && pollInterval.compareTo(Duration.ofMillis(1)) < 0) {
            throw new IllegalArgumentException("bulk.gateway.webhooks.poll-interval is " + text(pollInterval)
                    + "; it must be at least 1ms (1s by default), or an idle dispatcher queries the database"
                    + " without a pause");
        }
        if (pollInterval != null && passMaxBackoff != null && passMaxBackoff.compareTo(pollInterval) < 0) {
            throw new IllegalArgumentException("bulk.gateway.webhooks.pass-max-backoff is " + text(passMaxBackoff)
                    + "; it must be at least bulk.gateway.webhooks.poll-interval, " + text(pollInterval)
                    + ", the first wait after a failed pass of the dispatcher");
        }
        if (lease != null && connectTimeout != null && readTimeout != null) {
            Duration shortest = connectTimeout.plus(readTimeout).plus(LEASE_MARGIN);
            if (lease.compareTo(shortest) < 0) {
                throw new IllegalArgumentException("bulk.gateway.webhooks.lease is " + text(lease)
                        + "; it must be at least " + text(shortest) + ": connect-timeout (" + text(connectTimeout)
                        + ") plus read-timeout (" + text(readTimeout) + "), the longest a delivery attempt waits,"
                        + " plus " + text(LEASE_MARGIN) + ", or another gateway sends the message again while"
                        + " the attempt still waits. Raise bulk.gateway.webhooks.lease, or lower the timeouts.");
            }
        }
    }

    /** A duration as set, e.g. {@code 1m30s} or {@code 500ms}. */
    private static String text(Duration duration) {
        return duration.toString().substring(2).toLowerCase(Locale.ROOT).replaceAll("\\.0+s$", "s");
    }
}
