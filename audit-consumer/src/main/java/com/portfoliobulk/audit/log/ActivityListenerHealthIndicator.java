package com.portfoliobulk.audit.log;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.kafka.config.KafkaListenerEndpointRegistry;
import org.springframework.kafka.listener.MessageListenerContainer;
import org.springframework.stereotype.Component;

/**
 * {@code activityListener}: DOWN when the activity listener container is not running or one of its
 * consumers stopped abnormally, since then no entry is written. Part of the readiness group.
 */
@Component
class ActivityListenerHealthIndicator implements HealthIndicator {

    private final KafkaListenerEndpointRegistry listeners;

    ActivityListenerHealthIndicator(KafkaListenerEndpointRegistry listeners) {
        this.listeners = listeners;
    }

    @Override
    public Health health() {
        MessageListenerContainer container = listeners.getListenerContainer(ActivityEventListener.ID);
        if (container == null) {
            return Health.down().withDetail("listener", "not registered").build();
        }
        Health.Builder health = container.isRunning() && container.isInExpectedState() ? Health.up() : Health.down();
        return health.withDetail("listener", ActivityEventListener.ID)
                .withDetail("running", container.isRunning())
                .build();
    }
}
