package com.portfoliobulk.gateway.webhooks;

import io.swagger.v3.oas.annotations.media.Schema;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * A webhook subscription as clients see it.
 *
 * @param subscriptionId the subscription
 * @param url where messages are POSTed
 * @param eventTypes the events it receives
 * @param progressIntervalSeconds with {@code job.progress}: at most one progress message per job this
 *     often
 * @param status whether it receives messages
 * @param disabledReason why it is disabled, when it is
 * @param failingSince when its latest run of failed attempts started: absent since a success; a failure
 *     long after the previous one (more than twice the longest back-off) starts a new run
 * @param createdAt when it was created
 * @param createdBy the e-mail address of the administrator who created it, or null (absent) when the
 *     product knows no address for them
 * @param secret the signing secret: only in the answer that creates it (given again to the creation
 *     sent again with its {@code Idempotency-Key}, until a rotation) or rotates it, never elsewhere
 */
@Schema(name = "WebhookSubscription")
record SubscriptionView(
        UUID subscriptionId,
        String url,
        List<EventType> eventTypes,
        Integer progressIntervalSeconds,
        SubscriptionStatus status,
        String disabledReason,
        Instant failingSince,
        Instant createdAt,

        @Schema(
                description = "The e-mail address of the administrator who created it: their address as a portfolio"
                        + " user, or, once they are no portfolio user any more, as the account directory has it;"
                        + " absent when neither knows them (e.g. a caller whose permissions came from the identity"
                        + " provider's token alone). A subscription stays when its creator is removed: this tells"
                        + " whose receiver it is.",
                nullable = true)
        String createdBy,

        @Schema(
                description = "The signing secret (`whsec_` + base64). Shown only when created (and to the creation"
                        + " sent again with its Idempotency-Key, until a rotation) or rotated.")
        String secret) {

    SubscriptionView withSecret(String secret) {
        return new SubscriptionView(
                subscriptionId,
                url,
                eventTypes,
                progressIntervalSeconds,
                status,
                disabledReason,
                failingSince,
                createdAt,
                createdBy,
                secret);
    }
}
