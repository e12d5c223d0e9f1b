package com.portfoliobulk.servicesupport.kafka;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.context.ApplicationListener;
import org.springframework.kafka.event.ConsumerRetryAuthEvent;
import org.springframework.kafka.event.ConsumerRetryAuthEvent.Reason;
import org.springframework.kafka.event.ConsumerRetryAuthSuccessfulEvent;
import org.springframework.kafka.event.ConsumerStartingEvent;
import org.springframework.kafka.event.ConsumerStoppedEvent;
import org.springframework.kafka.event.KafkaEvent;
import org.springframework.kafka.listener.MessageListenerContainer;

/**
 * The consumers of each listener container that the broker's security refuses at the moment. A
 * consumer refused by the broker (its authentication failed, or an ACL on its topic or its group is
 * missing) keeps its container running while it polls again every {@code auth-exception-retry-interval},
 * yet it reads nothing and holds no partitions: {@link ListenerRunning} counts its container as not
 * running until the broker takes it again.
 *
 * <p>A consumer is refused from the retry its container announces after such an error, and no longer
 * once a poll after it succeeds, or once the consumer stops or starts afresh. An assignment of
 * partitions alone does not end it: a consumer may be given partitions of a topic it may not read.
 */
public final class RefusedConsumers implements ApplicationListener<KafkaEvent> {

    /** Per listener container (the parent of a concurrent one), its refused consumers and why. */
    private final Map<Object, Map<Object, Reason>> refused = new ConcurrentHashMap<>();

    @Override
    public void onApplicationEvent(KafkaEvent event) {
        switch (event) {
            case ConsumerRetryAuthEvent retry ->
                refused.computeIfAbsent(container(retry), container -> new ConcurrentHashMap<>())
                        .put(retry.getSource(), retry.getReason());
            case ConsumerRetryAuthSuccessfulEvent admitted -> forget(admitted);
            case ConsumerStoppedEvent stopped -> forget(stopped);
            case ConsumerStartingEvent starting -> forget(starting);
            default -> {}
        }
    }

    /**
     * Why the broker refuses a consumer of {@code container}, as an operator reads it; empty while it
     * refuses none.
     */
    public Optional<String> refusal(MessageListenerContainer container) {
        Map<Object, Reason> consumers = refused.get(container);
        if (consumers == null) {
            return Optional.empty();
        }
        return consumers.values().stream().findFirst().map(RefusedConsumers::describe);
    }

    /** Whether the broker refuses a consumer of {@code container}. */
    public boolean refusesAny(MessageListenerContainer container) {
        return refusal(container).isPresent();
    }

    private void forget(KafkaEvent event) {
        Map<Object, Reason> consumers = refused.get(container(event));
        if (consumers != null) {
            consumers.remove(event.getSource());
        }
    }

    private static Object container(KafkaEvent event) {
        return event.getContainer(Object.class);
    }

    private static String describe(Reason reason) {
        return switch (reason) {
            case AUTHENTICATION ->
                "the broker refuses its credentials (authentication failed); it polls again until the broker takes them";
            case AUTHORIZATION ->
                "the broker refuses its permissions (an ACL on its topic or group is missing); it polls again until"
                        + " the broker grants them";
        };
    }
}
