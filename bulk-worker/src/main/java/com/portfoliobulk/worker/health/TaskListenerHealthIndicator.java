package com.portfoliobulk.worker.health;

import com.portfoliobulk.servicesupport.kafka.ListenerRunning;
import com.portfoliobulk.servicesupport.kafka.RefusedConsumers;
import com.portfoliobulk.worker.apply.TaskListener;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Collection;
import org.apache.kafka.common.TopicPartition;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.kafka.config.KafkaListenerEndpointRegistry;
import org.springframework.kafka.listener.MessageListenerContainer;
import org.springframework.stereotype.Component;

/**
 * {@code taskListener}: DOWN when the task listener container is not running (stopped, or a consumer
 * died) or the broker refuses one of its consumers (detail {@code refused}: its credentials or its
 * permissions) until the broker takes it again, so an orchestrator restarts or stops routing to a
 * worker that no longer applies tasks. Part of the readiness group. Prometheus sees the same as {@code bulk_listener_running} ({@link
 * ListenerRunning}).
 */
@Component
class TaskListenerHealthIndicator implements HealthIndicator {

    private final KafkaListenerEndpointRegistry registry;
    private final RefusedConsumers refused;

    TaskListenerHealthIndicator(
            KafkaListenerEndpointRegistry registry, RefusedConsumers refused, MeterRegistry meters) {
        this.registry = registry;
        this.refused = refused;
        ListenerRunning.register(meters, registry, refused, TaskListener.ID);
    }

    @Override
    public Health health() {
        MessageListenerContainer container = registry.getListenerContainer(TaskListener.ID);
        if (container == null) {
            return Health.down().withDetail("listener", "not registered").build();
        }
        boolean running = ListenerRunning.isRunning(container, refused);
        Collection<TopicPartition> assigned = running ? container.getAssignedPartitions() : null;
        Health.Builder health = (running ? Health.up() : Health.down())
                .withDetail("listener", TaskListener.ID)
                .withDetail("assignedPartitions", assigned == null ? 0 : assigned.size());
        refused.refusal(container).ifPresent(refusal -> health.withDetail("refused", refusal));
        return health.build();
    }
}
