package com.portfoliobulk.gateway.webhooks;

import java.time.Duration;

/**
 * What one HTTP attempt gave.
 *
 * @param responseCode the receiver's status; {@code null} when it did not answer
 * @param duration from the start of the attempt to the answer or the failure
 * @param error why it failed; {@code null} on a 2xx answer
 * @param responseExcerpt the start of the answer's body
 * @param retryAfter the receiver's {@code Retry-After}, when it sent one
 * @param refused the URL was refused before sending (its scheme is not allowed, or it gives an address
 *     deliveries may not reach): not retried
 * @param unsigned this gateway could not sign the message (its secret key does not open the stored
 *     secret): nothing was sent, so it is retried, perhaps by a gateway with the right key, and the
 *     receiver is not to blame
 */
record AttemptResult(
        Integer responseCode,
        Duration duration,
        String error,
        String responseExcerpt,
        Duration retryAfter,
        boolean refused,
        boolean unsigned) {

    /** An attempt that sent nothing because the gateway could not sign the message. */
    static AttemptResult unsigned(String error) {
        return new AttemptResult(null, Duration.ZERO, error, null, null, false, true);
    }

    boolean succeeded() {
        return responseCode != null && responseCode >= 200 && responseCode < 300;
    }

    /** Timeouts, connection failures, 5xx and 429 are worth retrying; other answers are not. */
    boolean retryable() {
        if (refused) {
            return false;
        }
        return responseCode == null || responseCode >= 500 || responseCode == 429;
    }
}
