package com.portfoliobulk.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * A transaction that waits for the broker's acknowledgement ({@code bulk.worker.publish-timeout}) may
 * stand idle that long and 30 s more, PostgreSQL's {@code idle_in_transaction_session_timeout}, whose
 * largest value is {@link Integer#MAX_VALUE} ms: a longer wait stops the worker from starting, with the
 * reason.
 */
class WorkerPropertiesTests {

    private static final Duration LONGEST = Duration.ofMillis(Integer.MAX_VALUE - 30_000L);

    @Test
    void aPublishTimeoutUpToPostgresqlsLongestIdleTimeLessTheSlackIsKept() {
        for (Duration timeout : new Duration[] {Duration.ofSeconds(30), Duration.ofNanos(1), LONGEST}) {
            assertThat(properties(timeout).publishTimeout()).isEqualTo(timeout);
        }
    }

    /**
     * Before, such a timeout started the worker, and PostgreSQL refused it in every transaction that
     * waits for the broker: the invitation expiry sweep, the logging of link changes and of accepted
     * invitations, and every dead letter's re-drive failed.
     */
    @Test
    void aPublishTimeoutLongerThanPostgresqlsLongestIdleTimeLessTheSlackIsRefused() {
        for (Duration timeout : new Duration[] {LONGEST.plusMillis(1), Duration.ofDays(30)}) {
            assertThatThrownBy(() -> properties(timeout))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("bulk.worker.publish-timeout is "
                            + timeout.toString().substring(2).toLowerCase(Locale.ROOT)
                            + "; it must be positive and at most 2147453647ms")
                    .hasMessageContaining("PostgreSQL's idle_in_transaction_session_timeout")
                    .hasMessageContaining("Set it above the producer's delivery.timeout.ms (25s)");
        }
        assertThatThrownBy(() -> properties(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("bulk.worker.publish-timeout must be positive");
    }

    private static WorkerProperties properties(Duration publishTimeout) {
        return new WorkerProperties(
                new WorkerProperties.TopicNames("tasks", "dead-letter", "activity", 12, (short) 1, null),
                5,
                new WorkerProperties.Redelivery(Duration.ofMillis(500), 2.0, Duration.ofSeconds(10)),
                publishTimeout,
                Duration.ofSeconds(45),
                Duration.ofSeconds(10));
    }
}
