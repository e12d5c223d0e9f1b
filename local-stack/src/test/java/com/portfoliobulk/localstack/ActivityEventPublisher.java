package com.portfoliobulk.localstack;

import com.portfoliobulk.contracts.AccountActivityEvent;
import com.portfoliobulk.contracts.Topics;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.StringSerializer;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.support.serializer.JacksonJsonSerializer;

/**
 * Publishes activity events exactly as the bulk-worker does: key = account id, the record as JSON
 * without type headers, on {@link Topics#ACCOUNT_ACTIVITY}.
 */
final class ActivityEventPublisher implements AutoCloseable {

    private final DefaultKafkaProducerFactory<String, AccountActivityEvent> producers;

    private final KafkaTemplate<String, AccountActivityEvent> kafka;

    ActivityEventPublisher(String bootstrapServers) {
        this.producers = new DefaultKafkaProducerFactory<>(
                Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers, ProducerConfig.ACKS_CONFIG, "all"),
                new StringSerializer(),
                new JacksonJsonSerializer<AccountActivityEvent>().noTypeInfo());
        this.kafka = new KafkaTemplate<>(producers);
    }

    /** Sends the events and returns once the broker has acknowledged all of them. */
    void publish(Collection<AccountActivityEvent> events) {
        events.stream()
                .map(event ->
                        kafka.send(Topics.ACCOUNT_ACTIVITY, event.accountId().toString(), event))
                .toList()
                .forEach(CompletableFuture::join);
    }

    @Override
    public void close() {
        producers.destroy();
    }
}
