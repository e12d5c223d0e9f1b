package com.portfoliobulk.servicesupport.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class GaugeMeasurementTests {

    @Test
    void aQuickMeasurementIsAnsweredAndKeptForTheRefreshInterval() {
        AtomicInteger measured = new AtomicInteger();
        GaugeMeasurement<Integer> gauge =
                new GaugeMeasurement<>("a count", measured::incrementAndGet, Duration.ofHours(1));

        assertThat(gauge.latest()).isEqualTo(1);
        assertThat(gauge.latest()).isEqualTo(1);
        assertThat(measured).hasValue(1);
    }

    /** A measurement that hangs (a locked or silent database) holds no scrape; the last value is answered. */
    @Test
    void aMeasurementThatHangsIsNotWaitedForAndTheLastValueIsAnswered() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger measured = new AtomicInteger();
        GaugeMeasurement<Integer> gauge = new GaugeMeasurement<>(
                "a count",
                () -> {
                    int count = measured.incrementAndGet();
                    if (count > 1) {
                        await(release);
                    }
                    return count;
                },
                Duration.ZERO);
        assertThat(gauge.latest()).isEqualTo(1);

        long start = System.nanoTime();
        Integer whileHanging = gauge.latest();
        Integer again = gauge.latest();
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(whileHanging).isEqualTo(1);
        assertThat(again).isEqualTo(1);
        assertThat(took).isLessThan(GaugeMeasurement.MAX_WAIT.multipliedBy(4));
        assertThat(measured).as("one measurement under way at a time").hasValue(2);
        release.countDown();
        assertThat(gauge.latest()).isIn(2, 3);
    }

    @Test
    void aFailedMeasurementKeepsTheLastValue() {
        AtomicInteger measured = new AtomicInteger();
        GaugeMeasurement<Integer> gauge = new GaugeMeasurement<>(
                "a count",
                () -> {
                    if (measured.incrementAndGet() > 1) {
                        throw new IllegalStateException("the database is down");
                    }
                    return 7;
                },
                Duration.ZERO);

        assertThat(gauge.latest()).isEqualTo(7);
        assertThat(gauge.latest()).isEqualTo(7);
    }

    /**
     * An instance cut off from the database reports no value once its last one is a minute past due,
     * rather than a frozen one that {@code max()} over the instances would take for the others' current one.
     */
    @Test
    void aValueNoMeasurementRenewsForAMinutePastTheRefreshIntervalIsNoLongerAnswered() {
        AtomicLong now = new AtomicLong();
        AtomicBoolean databaseDown = new AtomicBoolean();
        AtomicInteger measured = new AtomicInteger();
        GaugeMeasurement<Integer> gauge = new GaugeMeasurement<>(
                "a count",
                () -> {
                    if (databaseDown.get()) {
                        throw new IllegalStateException("the database cannot be reached");
                    }
                    return measured.incrementAndGet();
                },
                Duration.ofSeconds(15),
                now::get);
        assertThat(gauge.latest()).isEqualTo(1);

        databaseDown.set(true);
        now.set(Duration.ofSeconds(15).plus(GaugeMeasurement.STALE_AFTER).toNanos());
        assertThat(gauge.latest()).as("still within a minute past due").isEqualTo(1);
        now.addAndGet(1);
        assertThat(gauge.latest()).as("a minute past due").isNull();

        databaseDown.set(false);
        assertThat(gauge.latest())
                .as("measured again as soon as the database answers")
                .isEqualTo(2);
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }
}
