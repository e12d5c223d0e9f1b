package com.portfoliobulk.gateway.webhooks;

import com.portfoliobulk.servicesupport.metrics.GaugeMeasurement;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.function.ToDoubleFunction;
import org.springframework.stereotype.Component;

/**
 * The webhook meters: attempts by outcome ({@code bulk.webhooks.deliveries}), how long receivers take
 * to answer ({@code bulk.webhooks.delivery.duration}), how long after the event a message is accepted
 * ({@code bulk.webhooks.delivery.lag}), and the outbox backlog with the age of its oldest entry. The
 * backlog is counted at most once per refresh interval however often metrics are scraped, and never
 * holding a scrape: while the database is slow or cannot be reached it keeps the last count
 * ({@link GaugeMeasurement}).
 */
@Component
class WebhookMetrics {

    private final MeterRegistry registry;

    private final GaugeMeasurement<Deliveries.Backlog> backlog;

    private final Timer lag;

    private final Counter disabled;

    WebhookMetrics(MeterRegistry registry, Deliveries deliveries, WebhookProperties properties) {
        this.registry = registry;
        this.backlog =
                new GaugeMeasurement<>("the webhook backlog", deliveries::backlog, properties.backlogRefreshInterval());
        Gauge.builder("bulk.webhooks.backlog", this, metrics -> metrics.backlogValue(Deliveries.Backlog::size))
                .description("Webhook messages not delivered yet (pending or being retried), and job events not"
                        + " fanned out yet")
                .register(registry);
        Gauge.builder(
                        "bulk.webhooks.backlog.oldest.age",
                        this,
                        metrics -> metrics.backlogValue(Deliveries.Backlog::oldestAgeSeconds))
                .description("Age of the oldest undelivered webhook message or event")
                .baseUnit("seconds")
                .register(registry);
        // A message is retried for up to 24 hours: the buckets reach that far, so that the quantiles show a
        // receiver's retries of minutes or hours (the default range ends at 30 s). Below 10 ms is no lag
        // worth telling apart, and starting there keeps the series fewer.
        this.lag = Timer.builder("bulk.webhooks.delivery.lag")
                .description(
                        "From a message's creation (job.progress messages too) to the receiver accepting it, redelivered ones left out")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(10))
                .maximumExpectedValue(Duration.ofHours(24))
                .register(registry);
        this.disabled = Counter.builder("bulk.webhooks.subscriptions.disabled")
                .description("Subscriptions disabled after failing for the disable-after period")
                .register(registry);
        // Every outcome's series from the start, at 0: the attempts made after Prometheus's first scrape of a
        // started gateway are an increase (those made before it are not).
        for (String outcome : new String[] {"succeeded", "retried", "failed"}) {
            attempts(outcome);
            duration(outcome);
        }
    }

    /** Counts an attempt and its duration; {@code outcome} is succeeded, retried or failed. */
    void attempt(String outcome, Duration duration) {
        attempts(outcome).increment();
        duration(outcome).record(duration);
    }

    void delivered(Duration sinceEvent) {
        lag.record(sinceEvent);
    }

    void subscriptionDisabled() {
        disabled.increment();
    }

    private Counter attempts(String outcome) {
        return Counter.builder("bulk.webhooks.deliveries")
                .description("Webhook delivery attempts by outcome: succeeded, retried (failed, tried again later)"
                        + " or failed (given up)")
                .tag("outcome", outcome)
                .register(registry);
    }

    private Timer duration(String outcome) {
        return Timer.builder("bulk.webhooks.delivery.duration")
                .description("How long a delivery attempt took, by outcome")
                .tag("outcome", outcome)
                .publishPercentileHistogram()
                .register(registry);
    }

    private double backlogValue(ToDoubleFunction<Deliveries.Backlog> value) {
        Deliveries.Backlog counted = backlog.latest();
        return counted == null ? Double.NaN : value.applyAsDouble(counted);
    }
}
