package com.portfoliobulk.gateway.webhooks;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.random.RandomGenerator;

/**
 * When a failed message is tried again: exponential back-off from {@code initialBackoff}, doubling per
 * attempt up to {@code maxBackoff}, with "equal jitter" (a random wait between half and all of it) so
 * that messages failing together do not come back together. A receiver's {@code Retry-After} is a
 * floor. No attempt is scheduled at or past the end of the message's retry period: a
 * {@code Retry-After} reaching that far fails the message at once.
 */
final class RetrySchedule {

    private final Duration initialBackoff;

    private final Duration maxBackoff;

    private final RandomGenerator random;

    RetrySchedule(Duration initialBackoff, Duration maxBackoff, RandomGenerator random) {
        this.initialBackoff = initialBackoff;
        this.maxBackoff = maxBackoff;
        this.random = random;
    }

    /**
     * The next attempt after the {@code attempts}-th failed one, or empty when the message should fail.
     *
     * @param now the time of the failed attempt by the database's clock, which the due checks and
     *     {@code giveUpAt} go by (a {@code Retry-After} date, by the receiver's clock, is a wait already)
     * @param attempts attempts made so far, counting the one that just failed (1 or more)
     */
    Optional<Instant> next(Instant now, int attempts, AttemptResult result, Instant giveUpAt) {
        if (!result.retryable()) {
            return Optional.empty();
        }
        Duration delay = jittered(backoff(attempts));
        if (result.retryAfter() != null && result.retryAfter().compareTo(delay) > 0) {
            if (result.retryAfter().compareTo(Duration.between(now, giveUpAt)) > 0) {
                // Asked to wait past the retry period, however far (the time itself may not even exist).
                return Optional.empty();
            }
            delay = result.retryAfter();
        }
        Instant next = now.plus(delay);
        // Only an attempt due before the give-up time is made: one due at that very time would never come.
        return next.isBefore(giveUpAt) ? Optional.of(next) : Optional.empty();
    }

    Duration backoff(int attempts) {
        int doublings = Math.min(Math.max(attempts - 1, 0), 40);
        long millis = initialBackoff.toMillis();
        for (int i = 0; i < doublings && millis < maxBackoff.toMillis(); i++) {
            millis *= 2;
        }
        return Duration.ofMillis(Math.min(millis, maxBackoff.toMillis()));
    }

    private Duration jittered(Duration backoff) {
        long half = backoff.toMillis() / 2;
        return Duration.ofMillis(half + random.nextLong(backoff.toMillis() - half + 1));
    }
}
