package com.portfoliobulk.servicesupport.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.portfoliobulk.testsupport.FreePorts;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

@Timeout(60)
class KafkaHealthIndicatorTests {

    private final AtomicLong now = new AtomicLong();

    private final AtomicBoolean answering = new AtomicBoolean(true);

    private final KafkaHealthIndicator health = new KafkaHealthIndicator(
            () -> {
                if (!answering.get()) {
                    throw new TimeoutException("Timed out waiting for a node assignment. Call: describeCluster");
                }
                return 3;
            },
            () -> {},
            Duration.ofSeconds(10),
            now::get);

    @Test
    void isUpWhileTheBrokerAnswers() {
        lookUpAt(0);

        assertThat(health.health().getStatus()).isEqualTo(Status.UP);
        assertThat(health.health().getDetails()).containsEntry("brokers", 3);
    }

    /**
     * One failed lookup, or several within {@code downAfter}, leave readiness as it is; the failed
     * lookups that span {@code downAfter} make it DOWN, naming why; the first answer makes it UP again.
     */
    @Test
    void isDownOnceTheFailedLookupsSpanDownAfterAndUpAgainAtTheFirstAnswer() {
        lookUpAt(0);
        answering.set(false);

        lookUpAt(2);
        assertThat(health.health().getStatus()).as("one failed lookup").isEqualTo(Status.UP);
        lookUpAt(8);
        lookUpAt(11.9);
        assertThat(health.health().getStatus()).as("failing for 9.9 s").isEqualTo(Status.UP);
        lookUpAt(12);
        Health down = health.health();
        assertThat(down.getStatus()).as("failing for 10 s").isEqualTo(Status.DOWN);
        assertThat(down.getDetails())
                .containsEntry("unreachableForSeconds", 10L)
                .hasEntrySatisfying(
                        "error", error -> assertThat((String) error).contains("Timed out waiting for a node"));
        lookUpAt(14);
        assertThat(health.health().getStatus()).isEqualTo(Status.DOWN);

        answering.set(true);
        lookUpAt(16);
        assertThat(health.health().getStatus()).as("at the first answer").isEqualTo(Status.UP);

        answering.set(false);
        lookUpAt(18);
        assertThat(health.health().getStatus())
                .as("one failed lookup after the broker answered again")
                .isEqualTo(Status.UP);
    }

    /** A lookup the broker leaves unanswered holds no health check: the last outcome is answered. */
    @Test
    void aHealthCheckDoesNotWaitForALookup() throws Exception {
        CountDownLatch lookingUp = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        KafkaHealthIndicator hanging = new KafkaHealthIndicator(
                () -> {
                    lookingUp.countDown();
                    release.await();
                    return 1;
                },
                () -> {},
                Duration.ofSeconds(10),
                System::nanoTime);
        hanging.start();
        try {
            lookingUp.await();

            assertThat(hanging.health().getStatus()).isEqualTo(Status.UP);
        } finally {
            release.countDown();
            hanging.close();
        }
    }

    /** The real client, against an address where no broker listens: DOWN after {@code downAfter}. */
    @Test
    void isDownWhenNoBrokerAnswersAtTheBootstrapAddress() {
        Map<String, Object> settings =
                Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + FreePorts.take());
        try (KafkaHealthIndicator nobody = new KafkaHealthIndicator(settings, Duration.ofSeconds(1))) {
            nobody.start();

            await().atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> nobody.health().getStatus().equals(Status.DOWN));
            assertThat(nobody.health().getDetails()).containsKeys("error", "unreachableForSeconds");
        }
    }

    @Test
    void downAfterIsFromOneSecondToOneHour() {
        for (Duration kept : new Duration[] {Duration.ofSeconds(1), Duration.ofSeconds(10), Duration.ofHours(1)}) {
            assertThat(KafkaHealthIndicator.checkDownAfter(kept, "bulk.x.kafka-down-after"))
                    .isEqualTo(kept);
        }
        for (Duration refused : new Duration[] {
            null, Duration.ZERO, Duration.ofMillis(999), Duration.ofHours(1).plusMillis(1)
        }) {
            assertThatThrownBy(() -> KafkaHealthIndicator.checkDownAfter(refused, "bulk.x.kafka-down-after"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("bulk.x.kafka-down-after must be from 1s to 1h");
        }
    }

    /** A lookup at {@code seconds} on the indicator's clock. */
    private void lookUpAt(double seconds) {
        now.set((long) (seconds * 1_000_000_000L));
        health.lookUp();
    }
}
