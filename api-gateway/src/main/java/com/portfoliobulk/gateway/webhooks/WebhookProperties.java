package com.portfoliobulk.gateway.webhooks;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import java.time.Duration;
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
 *     instance sends it once the lease has passed. Must exceed connect plus read timeout.
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
        @DefaultValue("10s") Duration passMaxBackoff) {}
