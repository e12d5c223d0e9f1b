package com.portfoliobulk.servicesupport.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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

    private static void await(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }
}
