package com.portfoliobulk.worker.deadletter;

import com.portfoliobulk.contracts.BulkTaskMessage;
import com.portfoliobulk.contracts.ControlCharacters;
import com.portfoliobulk.servicesupport.kafka.DeadLetterWithoutValue;
import com.portfoliobulk.servicesupport.kafka.ProducerGaveUp;
import com.portfoliobulk.worker.WorkerProperties;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.springframework.core.log.LogAccessor;
import org.springframework.kafka.core.KafkaOperations;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.listener.DeadLetterPublishingRecoverer;
import org.springframework.kafka.support.serializer.DeserializationException;
import org.springframework.kafka.support.serializer.SerializationUtils;
import org.springframework.stereotype.Component;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Sends task records that cannot be applied (unreadable, or invalid) to the dead letter topic, as
 * Spring Kafka's {@link DeadLetterPublishingRecoverer} does: the original key and value bytes (or
 * the record as JSON), the original topic, partition and offset and the exception in headers. The
 * dead letter is partitioned by its key, the account id, like the task topic. Each consumed record is
 * dead-lettered once: its dead letter is recorded in {@code jobs.task_dead_letters} by the record's
 * topic, partition, offset and timestamp (see {@link DeadLetterStore}), so a record at the same offset
 * after the topic started over gets a dead letter of its own; operators also re-drive it there.
 *
 * <p>A dead letter the broker refuses as too large (a record near the size limit, to which the headers
 * add the rest) is published without its value instead, see {@link #VALUE_OMITTED_HEADER}: refused
 * for good, it would otherwise fail its batch on every delivery and hold up every later task of its
 * partition. The whole record stays in {@code jobs.task_dead_letters}, from where it is listed and
 * re-driven as any other.
 */
@Component
public class DeadLetters {

    /** The header with the dead letter's id, the same each time the same record is dead-lettered. */
    public static final String ID_HEADER = "bulk_dead_letter_id";

    /**
     * The header of a dead letter published without its value because the broker refused it as too
     * large: {@code "<N> bytes; the record is kept in jobs.task_dead_letters"}, N the size of the value
     * left out. Such a dead letter has no value, its key only when that is short, and of the headers
     * only its id, the original topic, partition and offset and the exception's class and message, all
     * under the names {@link DeadLetterPublishingRecoverer} gives them.
     */
    public static final String VALUE_OMITTED_HEADER = DeadLetterWithoutValue.VALUE_OMITTED_HEADER;

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
     * repeat: possible when the worker died between the acknowledgement and recording it, or stalled
     * longer than the session timeout between recording the dead letter and marking it as sent
     * (another worker, given the same batch, sent it too); each dead letter is counted once, by the
     * worker that marks it as sent. A dead
     * letter the broker refuses as too large is sent again at once without its value (see
     * {@link #VALUE_OMITTED_HEADER}), and counts as sent when the broker acknowledges that one.
     *
     * @return completes when the broker has acknowledged all of them and they are marked as sent; when
     *     one send failed, completes exceptionally once every send has answered and the acknowledged
     *     ones are marked as sent, so that the batch delivered again sends only the others. When the
     *     producer gave up on one at once ({@link ProducerGaveUp}), the ones after it are not sent.
     */
    public CompletableFuture<Void> send(List<DeadLetter> deadLetters) {
        return send(deadLetters, (deadLetter, id, sentBefore) -> {});
    }

    /**
     * As {@link #send(List)}, telling {@code recorded} each dead letter's id (the one operators re-drive
     * it by) once it is recorded, before anything is sent; a record dead-lettered before has the id it
     * had then, and is told as sent before when the broker acknowledged it then.
     */
    public CompletableFuture<Void> send(List<DeadLetter> deadLetters, Recorded recorded) {
        if (deadLetters.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        List<DeadLetterStore.NewDeadLetter> rows =
                deadLetters.stream().map(this::toStore).toList();
        Map<DeadLetterStore.Source, DeadLetterStore.Recorded> stored = store.record(rows);
        Map<DeadLetterStore.Source, UUID> unpublished = new HashMap<>();
        stored.forEach((source, row) -> {
            if (!row.published()) {
                unpublished.put(source, row.id());
            }
        });
        for (DeadLetter deadLetter : deadLetters) {
            DeadLetterStore.Recorded row = stored.get(source(deadLetter.record()));
            if (row != null) {
                recorded.accept(deadLetter, row.id(), row.published());
            }
        }
        if (unpublished.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        Map<DeadLetterStore.Source, Integer> valueSizes = new HashMap<>();
        rows.forEach(row -> valueSizes.putIfAbsent(row.source(), row.value() == null ? 0 : row.value().length));
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
        for (DeadLetter deadLetter : toSend) {
            recoverer.accept(deadLetter.record(), null, deadLetter.reason());
            if (ProducerGaveUp.on(recoverer.last)) {
                // The producer gave up at once (no metadata for the topic after max.block.ms, say): the rest
                // would fail too, each after as long. They stay unsent, for the batch delivered again.
                break;
            }
        }
        return answered(recoverer.sent)
                .thenComposeAsync(sent -> {
                    // A dead letter refused as too large would be refused again on every delivery of its
                    // batch: it goes out without its value instead.
                    Map<UUID, CompletableFuture<?>> sends = new LinkedHashMap<>(sent);
                    Map<UUID, DeadLetter> withoutValue = new LinkedHashMap<>();
                    for (DeadLetter deadLetter : toSend) {
                        DeadLetterStore.Source source = source(deadLetter.record());
                        UUID id = unpublished.get(source);
                        if (tooLarge(sends.get(id))) {
                            withoutValue.put(id, deadLetter);
                            sends.put(id, sendWithoutValue(deadLetter, id, valueSizes.get(source)));
                        }
                    }
                    return answered(sends).thenApply(all -> {
                        withoutValue.forEach((id, deadLetter) -> logWithoutValue(deadLetter, id, all.get(id)));
                        return all;
                    });
                })
                .thenComposeAsync(sends -> {
                    // Once every send has its answer, the acknowledged ones are marked as sent, even when
                    // another failed: the batch delivered again then sends only the dead letters the
                    // broker did not take.
                    List<UUID> acknowledged = sends.entrySet().stream()
                            .filter(send -> !send.getValue().isCompletedExceptionally())
                            .map(Map.Entry::getKey)
                            .toList();
                    // Counted by the worker that marks it: another one that sent it too (this one stalled
                    // longer than the session timeout and lost the partition meanwhile) marked it first.
                    deadLettered.increment(store.markPublished(acknowledged).size());
                    return sends.values().stream()
                            .filter(CompletableFuture::isCompletedExceptionally)
                            .findFirst()
                            .<CompletableFuture<Void>>map(
                                    failed -> CompletableFuture.failedFuture(failed.exceptionNow()))
                            .orElseGet(() -> CompletableFuture.completedFuture(null));
                });
    }

    /** Completes with the sends once each of them has its answer, whether acknowledged or not. */
    private static CompletableFuture<Map<UUID, CompletableFuture<?>>> answered(Map<UUID, CompletableFuture<?>> sends) {
        return CompletableFuture.allOf(sends.values().toArray(CompletableFuture[]::new))
                .handle((all, failure) -> sends);
    }

    /** Whether the send failed because the producer or the broker refused the record as too large. */
    private static boolean tooLarge(CompletableFuture<?> send) {
        return send != null && send.isCompletedExceptionally() && DeadLetterWithoutValue.tooLarge(send.exceptionNow());
    }

    /**
     * Sends the dead letter without its value, with its id and what an operator needs to find the
     * record (its position, the exception), see {@link DeadLetterWithoutValue}.
     */
    private CompletableFuture<?> sendWithoutValue(DeadLetter deadLetter, UUID id, int valueSize) {
        try {
            return template.send(DeadLetterWithoutValue.of(
                    topic,
                    deadLetter.record(),
                    deadLetter.reason(),
                    valueSize + " bytes; the record is kept in jobs.task_dead_letters",
                    new RecordHeader(ID_HEADER, id.toString().getBytes(StandardCharsets.UTF_8))));
        } catch (RuntimeException ex) {
            return CompletableFuture.failedFuture(ex);
        }
    }

    private static void logWithoutValue(DeadLetter deadLetter, UUID id, CompletableFuture<?> send) {
        if (send.isCompletedExceptionally()) {
            return;
        }
        ConsumerRecord<?, ?> record = deadLetter.record();
        LOG.warn(() -> ("Record %s-%d@%d: its dead letter %s is published without its value, too large for the"
                        + " broker; the whole record is kept in jobs.task_dead_letters")
                .formatted(record.topic(), record.partition(), record.offset(), id));
    }

    private DeadLetterStore.NewDeadLetter toStore(DeadLetter deadLetter) {
        ConsumerRecord<?, ?> record = deadLetter.record();
        byte[] value;
        UUID taskId = null;
        if (record.value() instanceof BulkTaskMessage task) {
            value = json.writeValueAsBytes(task);
            taskId = task.taskId();
        } else {
            if (record.value() instanceof byte[] bytes) {
                value = bytes;
            } else if (record.value() != null) {
                value = String.valueOf(record.value()).getBytes(StandardCharsets.UTF_8);
            } else {
                DeserializationException failure = SerializationUtils.getExceptionFromHeader(
                        record, SerializationUtils.VALUE_DESERIALIZER_EXCEPTION_HEADER, LOG);
                value = failure == null ? null : failure.getData();
            }
            // An unreadable record names its task too when its JSON has a readable taskId: listed with it,
            // and its re-drive checks that task.
            taskId = taskIdIn(value, json).orElse(null);
        }
        Exception reason = deadLetter.reason();
        // An exception's message, stored as any text that is not a client's: control characters replaced.
        String text = ControlCharacters.replacedIn(reason.getClass().getSimpleName() + ": " + reason.getMessage());
        return new DeadLetterStore.NewDeadLetter(
                source(record),
                record.key() == null ? null : storableKey(String.valueOf(record.key())),
                value,
                taskId,
                text.length() > 2000 ? text.substring(0, 2000) : text);
    }

    /**
     * The task a record's value names when it cannot be read as a task: the {@code taskId} of its JSON,
     * when it is JSON with a {@code taskId} that is a UUID; empty otherwise (not JSON, no such field).
     */
    static Optional<UUID> taskIdIn(byte[] value, JsonMapper json) {
        if (value == null) {
            return Optional.empty();
        }
        try {
            JsonNode tree = json.readTree(value);
            JsonNode id = tree == null ? null : tree.path("taskId");
            return id != null && id.isString() ? Optional.of(UUID.fromString(id.asString())) : Optional.empty();
        } catch (JacksonException | IllegalArgumentException ex) {
            return Optional.empty();
        }
    }

    /**
     * The key as {@code jobs.task_dead_letters} can keep it: PostgreSQL cannot store U+0000 in text, which
     * a key with a zero byte (a binary key, a raw UUID say, from a producer that is not the gateway) is
     * read as. Refused, the dead letter would fail its batch on every delivery and hold up every later
     * task of its partition; so U+0000 becomes U+FFFD, and the key is listed and re-driven so.
     */
    private static String storableKey(String key) {
        return key.replace('\u0000', '\uFFFD');
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
    /** Told of each dead letter of a {@link #send(List, Recorded)} once it is recorded. */
    @FunctionalInterface
    public interface Recorded {

        /**
         * @param id the dead letter's id, the one operators re-drive it by
         * @param sentBefore whether the broker acknowledged it on an earlier delivery of its record (a
         *     batch delivered again): then it is not sent again
         */
        void accept(DeadLetter deadLetter, UUID id, boolean sentBefore);
    }

    public record DeadLetter(ConsumerRecord<?, ?> record, Exception reason) {}

    private static final class CollectingRecoverer extends DeadLetterPublishingRecoverer {

        /** Each dead letter's send, by its id. */
        private final Map<UUID, CompletableFuture<?>> sent = new LinkedHashMap<>();

        /** The last dead letter's send. */
        private CompletableFuture<?> last;

        private final Map<DeadLetterStore.Source, UUID> ids;

        CollectingRecoverer(KafkaOperations<?, ?> template, String topic, Map<DeadLetterStore.Source, UUID> ids) {
            super(template, (record, ex) -> new TopicPartition(topic, -1));
            this.ids = ids;
            setHeadersFunction((record, ex) -> new RecordHeaders()
                    .add(ID_HEADER, ids.get(source(record)).toString().getBytes(StandardCharsets.UTF_8)));
        }

        /**
         * Keeps the send instead of waiting for it. A record the producer refuses before sending (over
         * its {@code max.request.size}) makes the template throw at once; that failure is kept as the
         * send's answer, so that its cause is known.
         */
        @Override
        protected void publish(
                ProducerRecord<Object, Object> outRecord,
                KafkaOperations<Object, Object> template,
                ConsumerRecord<?, ?> inRecord) {
            CompletableFuture<?> send;
            try {
                send = template.send(outRecord);
            } catch (RuntimeException ex) {
                send = CompletableFuture.failedFuture(ex);
            }
            sent.put(ids.get(source(inRecord)), send);
            last = send;
        }
    }
}
