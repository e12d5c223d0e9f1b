package com.portfoliobulk.worker.deadletter;

import com.portfoliobulk.contracts.BulkTaskMessage;
import com.portfoliobulk.worker.WorkerProperties;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.springframework.core.log.LogAccessor;
import org.springframework.kafka.core.KafkaOperations;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.listener.DeadLetterPublishingRecoverer;
import org.springframework.kafka.support.SendResult;
import org.springframework.kafka.support.serializer.DeserializationException;
import org.springframework.kafka.support.serializer.SerializationUtils;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/**
 * Sends task records that cannot be applied (unreadable, or invalid) to the dead letter topic, as
 * Spring Kafka's {@link DeadLetterPublishingRecoverer} does: the original key and value bytes (or
 * the record as JSON), the original topic, partition and offset and the exception in headers. The
 * dead letter is partitioned by its key, the account id, like the task topic. Each consumed record is
 * dead-lettered once: its dead letter is recorded in {@code jobs.task_dead_letters} by the record's
 * topic, partition and offset (see {@link DeadLetterStore}), where operators also re-drive it.
 */
@Component
public class DeadLetters {

    /** The header with the dead letter's id, the same each time the same record is dead-lettered. */
    public static final String ID_HEADER = "bulk_dead_letter_id";

    private static final LogAccessor LOG = new LogAccessor(DeadLetters.class);

    private final KafkaTemplate<Object, Object> template;

    private final String topic;

    private final Counter deadLettered;

    private final DeadLetterStore store;

    private final JsonMapper json;

    DeadLetters(
            KafkaTemplate<Object, Object> template,
            WorkerProperties properties,
            MeterRegistry registry,
            DeadLetterStore store,
            JsonMapper json) {
        this.template = template;
        this.store = store;
        this.json = json;
        this.topic = properties.topics().deadLetter();
        this.deadLettered = Counter.builder("bulk.tasks.dead.lettered")
                .description("Task records sent to the dead letter topic")
                .register(registry);
    }

    /**
     * Records the dead letters and sends those not sent before without waiting for the broker: a
     * record delivered again (same topic, partition, offset and timestamp) whose dead letter the broker already
     * acknowledged is not sent again. Each dead letter carries its id in the header
     * {@value #ID_HEADER}, the same on every send, so a consumer of the dead-letter topic can tell a
     * repeat (possible only when the worker died between the acknowledgement and recording it).
     *
     * @return completes when the broker has acknowledged all of them and they are marked as sent; when
     *     one send failed, completes exceptionally once every send has answered and the acknowledged
     *     ones are marked as sent, so that the batch delivered again sends only the others
     */
    public CompletableFuture<Void> send(List<DeadLetter> deadLetters) {
        if (deadLetters.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        Map<DeadLetterStore.Source, UUID> unpublished =
                store.recordUnpublished(deadLetters.stream().map(this::toStore).toList());
        if (unpublished.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        // Each source record once, even when it is in the list twice.
        Set<DeadLetterStore.Source> once = new HashSet<>();
        List<DeadLetter> toSend = new ArrayList<>();
        for (DeadLetter deadLetter : deadLetters) {
            DeadLetterStore.Source source = source(deadLetter.record());
            if (unpublished.containsKey(source) && once.add(source)) {
                toSend.add(deadLetter);
            }
        }
        // One recoverer per call: it collects the sends of this call instead of waiting for each.
        CollectingRecoverer recoverer = new CollectingRecoverer(template, topic, unpublished);
        toSend.forEach(deadLetter -> recoverer.accept(deadLetter.record(), null, deadLetter.reason()));
        // Once every send has its answer, the acknowledged ones are marked as sent, even when another
        // failed: the batch delivered again then sends only the dead letters the broker did not take.
        return CompletableFuture.allOf(recoverer.sent.values().toArray(CompletableFuture[]::new))
                .handle((all, failure) -> failure)
                .thenComposeAsync(failure -> {
                    List<UUID> acknowledged = recoverer.sent.entrySet().stream()
                            .filter(send -> !send.getValue().isCompletedExceptionally())
                            .map(Map.Entry::getKey)
                            .toList();
                    store.markPublished(acknowledged);
                    deadLettered.increment(acknowledged.size());
                    return failure == null
                            ? CompletableFuture.<Void>completedFuture(null)
                            : CompletableFuture.<Void>failedFuture(failure);
                });
    }

    private DeadLetterStore.NewDeadLetter toStore(DeadLetter deadLetter) {
        ConsumerRecord<?, ?> record = deadLetter.record();
        byte[] value;
        UUID taskId = null;
        if (record.value() instanceof BulkTaskMessage task) {
            value = json.writeValueAsBytes(task);
            taskId = task.taskId();
        } else if (record.value() instanceof byte[] bytes) {
            value = bytes;
        } else if (record.value() != null) {
            value = String.valueOf(record.value()).getBytes(StandardCharsets.UTF_8);
        } else {
            DeserializationException failure = SerializationUtils.getExceptionFromHeader(
                    record, SerializationUtils.VALUE_DESERIALIZER_EXCEPTION_HEADER, LOG);
            value = failure == null ? null : failure.getData();
        }
        Exception reason = deadLetter.reason();
        String text = reason.getClass().getSimpleName() + ": " + reason.getMessage();
        return new DeadLetterStore.NewDeadLetter(
                source(record),
                record.key() == null ? null : String.valueOf(record.key()),
                value,
                taskId,
                text.length() > 2000 ? text.substring(0, 2000) : text);
    }

    private static DeadLetterStore.Source source(ConsumerRecord<?, ?> record) {
        return new DeadLetterStore.Source(record.topic(), record.partition(), record.offset(), record.timestamp());
    }

    /**
     * One record to dead-letter.
     *
     * @param record the record as consumed
     * @param reason why it cannot be applied; its class and message go into the headers
     */
    public record DeadLetter(ConsumerRecord<?, ?> record, Exception reason) {}

    private static final class CollectingRecoverer extends DeadLetterPublishingRecoverer {

        /** Each dead letter's send, by its id. */
        private final Map<UUID, CompletableFuture<?>> sent = new LinkedHashMap<>();

        private final Map<DeadLetterStore.Source, UUID> ids;

        CollectingRecoverer(KafkaOperations<?, ?> template, String topic, Map<DeadLetterStore.Source, UUID> ids) {
            super(template, (record, ex) -> new TopicPartition(topic, -1));
            this.ids = ids;
            setHeadersFunction((record, ex) -> new RecordHeaders()
                    .add(ID_HEADER, ids.get(source(record)).toString().getBytes(StandardCharsets.UTF_8)));
        }

        @Override
        protected void verifySendResult(
                KafkaOperations<Object, Object> template,
                ProducerRecord<Object, Object> outRecord,
                CompletableFuture<SendResult<Object, Object>> sendResult,
                ConsumerRecord<?, ?> inRecord) {
            sent.put(
                    ids.get(source(inRecord)),
                    sendResult == null
                            ? CompletableFuture.failedFuture(new IllegalStateException("Dead letter not sent"))
                            : sendResult);
        }
    }
}
