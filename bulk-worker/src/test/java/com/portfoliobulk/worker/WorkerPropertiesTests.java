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

    /**
     * Before, an empty or malformed topic name ({@code portfolio/bulk-tasks}) started the worker, which
     * then read no task; a dead-letter topic the same as the task topic sent each dead letter back to be
     * read as a task again.
     */
    @Test
    void aTopicNameKafkaRefusesOrTheTaskTopicAsDeadLetterTopicIsRefusedNamingTheVariable() {
        assertThatThrownBy(() -> topics("", "dead-letter", "activity"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(
                        "bulk.worker.topics.tasks (BULK_TASKS_TOPIC) is '', which Kafka refuses as" + " a topic name");
        assertThatThrownBy(() -> topics("tasks", "portfolio/bulk-tasks-dlt", "activity"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("bulk.worker.topics.dead-letter (BULK_TASKS_DLT_TOPIC) is"
                        + " 'portfolio/bulk-tasks-dlt', which Kafka refuses as a topic name");
        assertThatThrownBy(() -> topics("tasks", "dead-letter", "account activity"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("bulk.worker.topics.activity (BULK_ACTIVITY_TOPIC) is 'account activity'");
        assertThatThrownBy(() -> topics("portfolio.bulk-tasks", "portfolio.bulk-tasks", "activity"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("bulk.worker.topics.dead-letter (BULK_TASKS_DLT_TOPIC) is 'portfolio.bulk-tasks', which"
                        + " Kafka takes for the same topic as bulk.worker.topics.tasks (BULK_TASKS_TOPIC),"
                        + " 'portfolio.bulk-tasks': give each its own name");
        assertThatThrownBy(() -> topics("tasks", "dead-letter", "tasks"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("bulk.worker.topics.activity (BULK_ACTIVITY_TOPIC) is 'tasks'");
        assertThat(topics("portfolio.bulk-tasks", "portfolio.bulk-tasks-dlt", "portfolio.account-activity")
                        .deadLetter())
                .isEqualTo("portfolio.bulk-tasks-dlt");
    }

    /**
     * Before, a longest redelivery wait shorter than the first started the worker, which then waited
     * the longest one every time, the first included: the operator's first wait was never used.
     */
    @Test
    void aLongestRedeliveryWaitShorterThanTheFirstIsRefusedNamingBoth() {
        assertThatThrownBy(() -> new WorkerProperties.Redelivery(Duration.ofMillis(500), 2.0, Duration.ofMillis(200)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("bulk.worker.redelivery.max-interval is 200ms; it must be at least"
                        + " bulk.worker.redelivery.initial-interval, 500ms (500ms by default)");
        assertThatThrownBy(() -> new WorkerProperties.Redelivery(Duration.ofSeconds(30), 2.0, Duration.ofSeconds(10)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("bulk.worker.redelivery.max-interval is 10s; it must be at least"
                        + " bulk.worker.redelivery.initial-interval, 30s");
        WorkerProperties.Redelivery even =
                new WorkerProperties.Redelivery(Duration.ofSeconds(1), 2.0, Duration.ofSeconds(1));
        assertThat(even.maxInterval()).isEqualTo(even.initialInterval());
    }

    private static WorkerProperties.TopicNames topics(String tasks, String deadLetter, String activity) {
        return new WorkerProperties.TopicNames(tasks, deadLetter, activity, 12, (short) 1, null);
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
