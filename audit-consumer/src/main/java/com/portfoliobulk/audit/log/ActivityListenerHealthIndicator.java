package com.portfoliobulk.audit.log;

import com.portfoliobulk.servicesupport.kafka.ListenerRunning;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.kafka.config.KafkaListenerEndpointRegistry;
import org.springframework.kafka.listener.MessageListenerContainer;
import org.springframework.stereotype.Component;

/**
 * {@code activityListener}: DOWN when the activity listener container is not running or one of its
 * consumers stopped abnormally, since then no entry is written. Part of the readiness group.
 * Prometheus sees the same as {@code bulk_listener_running} ({@link ListenerRunning}).
 */
@Component
class ActivityListenerHealthIndicator implements HealthIndicator {

    private final KafkaListenerEndpointRegistry listeners;

    ActivityListenerHealthIndicator(KafkaListenerEndpointRegistry listeners, MeterRegistry meters) {
        this.listeners = listeners;
        ListenerRunning.register(meters, listeners, ActivityEventListener.ID);
    }

    @Override
    public Health health() {
        MessageListenerContainer container = listeners.getListenerContainer(ActivityEventListener.ID);
        if (container == null) {
            return Health.down().withDetail("listener", "not registered").build();
        }
        Health.Builder health = ListenerRunning.isRunning(container) ? Health.up() : Health.down();
        return health.withDetail("listener", ActivityEventListener.ID)
                .withDetail("running", container.isRunning())
                .build();
    }
}
