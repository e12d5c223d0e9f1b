package com.portfoliobulk.gateway.webhooks;

import java.time.Duration;

/** Webhook settings for tests of the sender alone: a connect timeout of 1 s unless given, the rest as the defaults. */
final class SenderProperties {

    private SenderProperties() {}

    static WebhookProperties of(boolean allowLocalUrls, Duration readTimeout) {
        return of(allowLocalUrls, Duration.ofSeconds(1), readTimeout);
    }

    static WebhookProperties of(boolean allowLocalUrls, Duration connectTimeout, Duration readTimeout) {
        return new WebhookProperties(
                false,
                "",
                allowLocalUrls,
                20,
                connectTimeout,
                readTimeout,
                Duration.ofSeconds(10),
                Duration.ofHours(1),
                Duration.ofHours(24),
                Duration.ofHours(24),
                Duration.ofSeconds(1),
                100,
                64,
                4,
                16,
                Duration.ofHours(24),
                Duration.ofMinutes(1),
                Duration.ofSeconds(5),
                Duration.ofSeconds(10));
    }
}
