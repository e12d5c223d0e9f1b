package com.portfoliobulk.gateway.webhooks;

import io.swagger.v3.oas.annotations.media.Schema;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * One message to a subscription: one job event, sent until the receiver accepts it.
 *
 * @param deliveryId the message, sent as {@code webhook-id} ({@code msg_} and this id) on every attempt
 * @param eventType the event
 * @param jobId the job it is about
 * @param status {@code PENDING} while being sent or retried, then {@code SUCCEEDED} or {@code FAILED}
 * @param attempts how many attempts were made, also those older than the history shows
 * @param lastResponseCode the receiver's HTTP status at the last attempt; absent when it did not answer
 * @param lastDurationMs how long the last attempt took
 * @param lastError why the last attempt failed, or that the message was not sent again before its retry
 *     period ended
 * @param nextAttemptAt when it is tried next; absent once it succeeded or failed
 * @param createdAt when the event was fanned out to the subscription
 * @param deliveredAt when the receiver accepted it; absent until then, and from a redelivery until the
 *     receiver accepts it again
 * @param history the newest attempts (at most 100; all of them when {@code attempts} is no more),
 *     oldest first; only when one message is read
 */
@Schema(name = "WebhookDelivery")
record DeliveryView(
        UUID deliveryId,
        EventType eventType,
        UUID jobId,
        Status status,
        int attempts,
        Integer lastResponseCode,
        Integer lastDurationMs,
        String lastError,
        Instant nextAttemptAt,
        Instant createdAt,
        Instant deliveredAt,
        List<AttemptView> history) {

    DeliveryView withHistory(List<AttemptView> history) {
        return new DeliveryView(
                deliveryId,
                eventType,
                jobId,
                status,
                attempts,
                lastResponseCode,
                lastDurationMs,
                lastError,
                nextAttemptAt,
                createdAt,
                deliveredAt,
                List.copyOf(history));
    }

    /** Where a message is. */
    enum Status {
        PENDING,
        SUCCEEDED,
        FAILED
    }
}
