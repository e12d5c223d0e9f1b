package com.portfoliobulk.gateway.webhooks;

import io.swagger.v3.oas.annotations.media.Schema;
import java.time.Instant;

/**
 * One attempt to send a message.
 *
 * @param attemptedAt when it started; for a message not sent again before its retry period ended, when
 *     it was failed (that entry sent nothing: no response code, 0 ms, not counted in the message's
 *     {@code attempts})
 * @param outcome {@code SUCCEEDED} (a 2xx answer), {@code WILL_RETRY} (timeout, connection failure, 5xx
 *     or 429) or {@code FAILED} (another answer, or the retry period is over)
 * @param responseCode the receiver's HTTP status; absent when it did not answer
 * @param durationMs how long it took
 * @param error why it failed
 * @param responseExcerpt the start of the receiver's answer (at most 200 characters)
 * @param nextAttemptAt when the next attempt was scheduled, after a failure that is retried
 */
@Schema(name = "WebhookAttempt")
record AttemptView(
        Instant attemptedAt,
        Outcome outcome,
        Integer responseCode,
        int durationMs,
        String error,
        String responseExcerpt,
        Instant nextAttemptAt) {

    enum Outcome {
        SUCCEEDED,
        WILL_RETRY,
        FAILED
    }
}
