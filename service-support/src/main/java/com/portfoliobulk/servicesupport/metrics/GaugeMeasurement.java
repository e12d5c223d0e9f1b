package com.portfoliobulk.servicesupport.metrics;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A gauge's value that takes a database query to measure: measured at most once per refresh interval
 * however often metrics are scraped, and never longer than {@link #MAX_WAIT} in the scraping thread. A
 * scrape that finds the value older than the interval starts one measurement on a virtual thread and
 * waits for it that long at the most; when it is slower (the database is down, cut off or locked), the
 * scrape answers the last value, and the measurement goes on by itself. So a slow database never holds a
 * scrape past Prometheus' timeout, which would count the whole service down and silence the alerts on
 * its other metrics, the database alerts among them. {@code null} until a measurement succeeds, and again
 * once no measurement has succeeded for {@link #STALE_AFTER} past the refresh interval: an instance cut
 * off from the database then reports no value rather than a frozen one, which {@code max()} over the
 * instances in a dashboard or an alert would take for the others' current one.
 *
 * @param <T> what is measured
 */
public final class GaugeMeasurement<T> {

    /** The longest a scrape waits for a measurement. */
    public static final Duration MAX_WAIT = Duration.ofMillis(500);

    /** How long past its refresh interval the last value is still answered while no measurement succeeds. */
    public static final Duration STALE_AFTER = Duration.ofMinutes(1);

    private static final Logger log = LoggerFactory.getLogger(GaugeMeasurement.class);

    private static final Executor VIRTUAL =
            runnable -> Thread.ofVirtual().name("gauge-measurement").start(runnable);

    private final String what;

    private final Supplier<T> measure;

    private final long refreshNanos;

    private final long staleNanos;

    private final LongSupplier nanoTime;

    /** The last value measured, with the time its measurement ended; {@code null} before the first. */
    private Measured<T> last;

    private CompletableFuture<Measured<T>> measuring;

    /**
     * @param what what is measured, for the log line of a failed measurement
     * @param measure the measurement (a query)
     * @param refreshInterval how long a measured value is answered before it is measured again
     */
    public GaugeMeasurement(String what, Supplier<T> measure, Duration refreshInterval) {
        this(what, measure, refreshInterval, System::nanoTime);
    }

    GaugeMeasurement(String what, Supplier<T> measure, Duration refreshInterval, LongSupplier nanoTime) {
        this.what = what;
        this.measure = measure;
        this.refreshNanos = refreshInterval.toNanos();
        this.staleNanos = refreshInterval.plus(STALE_AFTER).toNanos();
        this.nanoTime = nanoTime;
    }

    /**
     * The value, measured again first when it is older than the refresh interval and that is quick;
     * {@code null} when none has been measured or the last is stale ({@link #STALE_AFTER}).
     */
    public T latest() {
        CompletableFuture<Measured<T>> current;
        synchronized (this) {
            if (measuring == null && (last == null || nanoTime.getAsLong() - last.at() >= refreshNanos)) {
                CompletableFuture<Measured<T>> started = CompletableFuture.supplyAsync(
                        () -> {
                            T value = measure.get();
                            return new Measured<>(value, nanoTime.getAsLong());
                        },
                        VIRTUAL);
                measuring = started;
                started.whenComplete((measured, failure) -> finished(started, measured, failure));
            }
            current = measuring;
        }
        if (current != null) {
            try {
                // Stored here too: the waiter may wake before the measurement's own finished() has run.
                finished(current, current.get(MAX_WAIT.toMillis(), TimeUnit.MILLISECONDS), null);
            } catch (ExecutionException ex) {
                finished(current, null, ex.getCause());
            } catch (TimeoutException ex) {
                // Slow: the last value is answered, and the measurement goes on by itself.
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
        }
        synchronized (this) {
            return last != null && nanoTime.getAsLong() - last.at() <= staleNanos ? last.value() : null;
        }
    }

    /** Stores a measurement's end; called by the measurement when it ends and by a scrape that waited for it. */
    private synchronized void finished(CompletableFuture<Measured<T>> which, Measured<T> measured, Throwable failure) {
        if (measuring != which) {
            return; // stored already
        }
        measuring = null;
        if (failure == null) {
            last = measured;
        } else {
            log.debug("Could not measure {}: {}", what, failure.toString());
        }
    }

    private record Measured<T>(T value, long at) {}
}
