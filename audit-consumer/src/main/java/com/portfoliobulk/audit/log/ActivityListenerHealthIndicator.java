package com.portfoliobulk.audit.log;

import com.portfoliobulk.servicesupport.kafka.ListenerRunning;
import com.portfoliobulk.servicesupport.kafka.RefusedConsumers;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.kafka.config.KafkaListenerEndpointRegistry;
import org.springframework.kafka.listener.MessageListenerContainer;
import org.springframework.stereotype.Component;

/**
 * {@code activityListener}: DOWN when the activity listener container is not running, one of its
 * consumers stopped abnormally, or the broker refuses one of its consumers (detail {@code refused}: its
 * credentials or its permissions) until the broker takes it again, since then no entry is written. Part
 * of the readiness group.
 * Prometheus sees the same as {@code bulk_listener_running} ({@link ListenerRunning}).
 */
@Component
class ActivityListenerHealthIndicator implements HealthIndicator {

    private final KafkaListenerEndpointRegistry listeners;
    private final RefusedConsumers refused;

    ActivityListenerHealthIndicator(
            KafkaListenerEndpointRegistry listeners, RefusedConsumers refused, MeterRegistry meters) {
        this.listeners = listeners;
        this.refused = refused;
        ListenerRunning.register(meters, listeners, refused, ActivityEventListener.ID);
    }

    @Override
    public Health health() {
        MessageListenerContainer container = listeners.getListenerContainer(ActivityEventListener.ID);
        if (container == null) {
            return Health.down().withDetail("listener", "not registered").build();
        }
        Health.Builder health = ListenerRunning.isRunning(container, refused) ? Health.up() : Health.down();
        health.withDetail("listener", ActivityEventListener.ID).withDetail("running", container.isRunning());
        refused.refusal(container).ifPresent(refusal -> health.withDetail("refused", refusal));
        return health.build();
    }
}
