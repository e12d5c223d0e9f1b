package com.portfoliobulk.servicesupport.kafka;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.kafka.config.KafkaListenerEndpointRegistry;
import org.springframework.kafka.listener.MessageListenerContainer;

/**
 * Whether a listener container applies records: it runs, none of its consumers stopped abnormally, and
 * the broker's security refuses none of them ({@link RefusedConsumers}). A service's listener health
 * indicator reads it, and the gauge {@code bulk_listener_running} (tag {@code listener}) shows it to
 * Prometheus, which sees no health: 1 while it runs, 0 while it does not (stopped, a consumer died, a
 * consumer refused by the broker, or standing aside while the database does not answer, when {@code
 * bulk_database_standby} is 1 too). A stopped or refused consumer reports no lag, so no lag alert can
 * see it.
 */
public final class ListenerRunning {

    private ListenerRunning() {}

    /** Whether the container {@code listenerId} runs with all its consumers, none refused by the broker. */
    public static boolean isRunning(
            KafkaListenerEndpointRegistry listeners, RefusedConsumers refused, String listenerId) {
        return isRunning(listeners.getListenerContainer(listenerId), refused);
    }

    /** Whether {@code container} (none: null) runs with all its consumers, none refused by the broker. */
    public static boolean isRunning(MessageListenerContainer container, RefusedConsumers refused) {
        return container != null
                && container.isRunning()
                && container.isInExpectedState()
                && !refused.refusesAny(container);
    }

    /** Registers the gauge {@code bulk_listener_running} of the container {@code listenerId}. */
    public static void register(
            MeterRegistry meters,
            KafkaListenerEndpointRegistry listeners,
            RefusedConsumers refused,
            String listenerId) {
        Gauge.builder("bulk.listener.running", listeners, registry -> isRunning(registry, refused, listenerId) ? 1 : 0)
                .description("1 while the listener container runs with all its consumers, none refused by the"
                        + " broker, else 0")
                .tag("listener", listenerId)
                .register(meters);
    }
}
