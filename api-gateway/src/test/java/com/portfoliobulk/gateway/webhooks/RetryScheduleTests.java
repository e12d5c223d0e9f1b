package com.portfoliobulk.gateway.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class RetryScheduleTests {

    private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

    private static final Instant DAY_LATER = NOW.plus(Duration.ofHours(24));

    private final RetrySchedule schedule =
            new RetrySchedule(Duration.ofSeconds(10), Duration.ofHours(1), new SplittableRandom(7));

    @Test
    void backOffDoublesUpToTheMaximum() {
        assertThat(schedule.backoff(1)).isEqualTo(Duration.ofSeconds(10));
        assertThat(schedule.backoff(2)).isEqualTo(Duration.ofSeconds(20));
        assertThat(schedule.backoff(5)).isEqualTo(Duration.ofSeconds(160));
        assertThat(schedule.backoff(20)).isEqualTo(Duration.ofHours(1));
        assertThat(schedule.backoff(1000)).isEqualTo(Duration.ofHours(1));
    }

    @Test
    void theWaitIsJitteredBetweenHalfAndAllOfTheBackOff() {
        for (int i = 0; i < 200; i++) {
            Duration wait = Duration.between(
                    NOW, schedule.next(NOW, 3, failure(503, null), DAY_LATER).orElseThrow());
            assertThat(wait).isBetween(Duration.ofSeconds(20), Duration.ofSeconds(40));
        }
    }

    @Test
    void retryAfterIsAFloor() {
        Duration wait = Duration.between(
                NOW,
                schedule.next(NOW, 1, failure(429, Duration.ofMinutes(5)), DAY_LATER)
                        .orElseThrow());
        assertThat(wait).isEqualTo(Duration.ofMinutes(5));
    }

    @Test
    void timeoutsAnd5xxAnd429AreRetriedOther4xxAreNot() {
        assertThat(schedule.next(NOW, 1, failure(null, null), DAY_LATER)).isPresent();
        assertThat(schedule.next(NOW, 1, failure(500, null), DAY_LATER)).isPresent();
        assertThat(schedule.next(NOW, 1, failure(429, null), DAY_LATER)).isPresent();
        assertThat(schedule.next(NOW, 1, failure(400, null), DAY_LATER)).isEmpty();
        assertThat(schedule.next(NOW, 1, failure(404, null), DAY_LATER)).isEmpty();
        assertThat(schedule.next(NOW, 1, failure(410, null), DAY_LATER)).isEmpty();
        assertThat(schedule.next(
                        NOW, 1, new AttemptResult(null, Duration.ZERO, "refused", null, null, true, false), DAY_LATER))
                .isEmpty();
    }

    @Test
    void nothingIsScheduledPastTheRetryPeriod() {
        assertThat(schedule.next(NOW, 30, failure(503, null), NOW.plus(Duration.ofMinutes(10))))
                .isEmpty();
        assertThat(schedule.next(NOW, 1, failure(503, Duration.ofHours(25)), DAY_LATER))
                .isEmpty();
    }

    /** A message is claimed only before its retry period ends: an attempt at its very end would never come. */
    @Test
    void nothingIsScheduledAtTheEndOfTheRetryPeriod() {
        Instant giveUpAt = NOW.plus(Duration.ofMinutes(5));

        assertThat(schedule.next(NOW, 1, failure(429, Duration.ofMinutes(5)), giveUpAt))
                .isEmpty();
        assertThat(schedule.next(NOW, 1, failure(429, Duration.ofMinutes(5).minusMillis(1)), giveUpAt))
                .isPresent();
    }

    private static AttemptResult failure(Integer code, Duration retryAfter) {
        return new AttemptResult(code, Duration.ofMillis(5), "failed", null, retryAfter, false, false);
    }
}
