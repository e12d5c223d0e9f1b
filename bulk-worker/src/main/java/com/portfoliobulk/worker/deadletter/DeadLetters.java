package com.portfoliobulk.worker.deadletter;

import com.portfoliobulk.worker.WorkerProperties;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.springframework.kafka.core.KafkaOperations;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.listener.DeadLetterPublishingRecoverer;
import org.springframework.kafka.support.SendResult;
import org.springframework.stereotype.Component;

/**
 * Sends task records that cannot be applied (unreadable, or invalid) to the dead letter topic, as
 * Spring Kafka's {@link DeadLetterPublishingRecoverer} does: the original key and value bytes (or
 * the record as JSON), the original topic, partition and offset and the exception in headers. The
 * dead letter is partitioned by its key, the account id, like the task topic.
 */
@Component
public class DeadLetters {

    private final KafkaTemplate<Object, Object> template;

    private final String topic;

    private final Counter deadLettered;

    DeadLetters(KafkaTemplate<Object, Object> template, WorkerProperties properties, MeterRegistry registry) {
        this.template = template;
        this.topic = properties.topics().deadLetter();
        this.deadLettered = Counter.builder("bulk.tasks.dead.lettered")
                .description("Task records sent to the dead letter topic")
                .register(registry);
    }

    /**
     * Sends the dead letters without waiting for the broker.
     *
     * @return completes when the broker has acknowledged all of them
     */
    public CompletableFuture<Void> send(List<DeadLetter> deadLetters) {
        if (deadLetters.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        // One recoverer per call: it collects the sends of this call instead of waiting for each.
        CollectingRecoverer recoverer = new CollectingRecoverer(template, topic);
        deadLetters.forEach(deadLetter -> recoverer.accept(deadLetter.record(), null, deadLetter.reason()));
        return CompletableFuture.allOf(recoverer.sent.toArray(CompletableFuture[]::new))
                .thenRun(() -> deadLettered.increment(deadLetters.size()));
    }

    /**
     * One record to dead-letter.
     *
     * @param record the record as consumed
     * @param reason why it cannot be applied; its class and message go into the headers
     */
    public record DeadLetter(ConsumerRecord<?, ?> record, Exception reason) {}

    private static final class CollectingRecoverer extends DeadLetterPublishingRecoverer {

        private final List<CompletableFuture<?>> sent = new ArrayList<>();

        CollectingRecoverer(KafkaOperations<?, ?> template, String topic) {
            super(template, (record, ex) -> new TopicPartition(topic, -1));
        }

        @Override
        protected void verifySendResult(
                KafkaOperations<Object, Object> template,
                ProducerRecord<Object, Object> outRecord,
                CompletableFuture<SendResult<Object, Object>> sendResult,
                ConsumerRecord<?, ?> inRecord) {
            sent.add(
                    sendResult == null
                            ? CompletableFuture.failedFuture(new IllegalStateException("Dead letter not sent"))
                            : sendResult);
        }
    }
}
