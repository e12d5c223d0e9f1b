package com.portfoliobulk.worker.activity;

import com.portfoliobulk.contracts.AccountActivityEvent;
import com.portfoliobulk.worker.WorkerProperties;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.stereotype.Component;

/**
 * Publishes one {@link AccountActivityEvent} per applied change, keyed by the account id. The event id
 * is the task id, so the same change published twice (after a redelivery) is one activity entry.
 */
@Component
public class ActivityPublisher {

    private final KafkaTemplate<Object, Object> template;

    private final String topic;

    ActivityPublisher(KafkaTemplate<Object, Object> template, WorkerProperties properties) {
        this.template = template;
        this.topic = properties.topics().activity();
    }

    /**
     * Sends the events without waiting for the broker.
     *
     * @return completes when the broker has acknowledged all of them
     */
    public CompletableFuture<Void> publish(List<AccountActivityEvent> events) {
        return CompletableFuture.allOf(events.stream()
                .map(event -> template.send(topic, event.accountId().toString(), event))
                .toArray(CompletableFuture[]::new));
    }
}
