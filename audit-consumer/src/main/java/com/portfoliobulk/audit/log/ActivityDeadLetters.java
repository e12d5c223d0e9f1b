package com.portfoliobulk.audit.log;

import com.portfoliobulk.servicesupport.concurrent.Futures;
import com.portfoliobulk.servicesupport.kafka.DeadLetterWithoutValue;
import com.portfoliobulk.servicesupport.kafka.ProducerGaveUp;
import com.portfoliobulk.servicesupport.logging.LogContext;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.springframework.core.log.LogAccessor;
import org.springframework.kafka.core.KafkaOperations;
import org.springframework.kafka.listener.ConsumerAwareRecordRecoverer;
import org.springframework.kafka.listener.DeadLetterPublishingRecoverer;

/**
 * Sends activity records that cannot be written to the dead-letter topic as Spring Kafka's
 * {@link DeadLetterPublishingRecoverer} does: the original key and value (an unreadable record's
 * bytes, a readable one's event as JSON), the original topic, partition and offset and the exception
 * in headers. A dead letter is placed by its key, the account id, so one account's dead letters stay
 * in order. The error handler sends one unreadable or invalid record at a time and waits for the
 * broker; the listener sends the events of a batch the database refused without waiting for each, and
 * waits once for them all.
 *
 * <p>A dead letter the producer or the broker refuses as too large (a record near the size limit, to
 * which the headers add the rest) is sent again at once without its value, see
 * {@link DeadLetterWithoutValue}, with the header {@value DeadLetterWithoutValue#VALUE_OMITTED_HEADER}
 * {@code "<N> bytes; not kept, the record stays in its original topic until its retention"}: refused for
 * good, it would fail on every delivery and hold up every later event of its partition. The value is
 * kept nowhere else; the record stays in the activity topic until the topic's retention deletes it, at
 * the topic, partition and offset the dead letter's headers name.
 */
final class ActivityDeadLetters implements ConsumerAwareRecordRecoverer {

    private static final LogAccessor log = new LogAccessor(ActivityEventListener.class);

    private final KafkaOperations<Object, Object> template;

    private final String topic;

    ActivityDeadLetters(KafkaOperations<Object, Object> template, String topic) {
        this.template = template;
        this.topic = topic;
    }

    /**
     * For the error handler: sends the record's dead letter and waits for the broker; throws when it is
     * not sent, so that the record is delivered again.
     */
    @Override
    public void accept(ConsumerRecord<?, ?> record, Consumer<?, ?> consumer, Exception exception) {
        Futures.join(send(List.of(new DeadLetter(record, exception)), consumer).getFirst());
    }

    /**
     * Sends the dead letters without waiting for the broker.
     *
     * @return one future per dead letter, in their order: each completes when the broker has
     *     acknowledged the dead letter (or, when it was too large, the one without its value), or
     *     exceptionally when it was not sent. When the producer gave up on one at once
     *     ({@link ProducerGaveUp}), its future and those of the ones after it, not sent, are failed
     *     already on return
     */
    List<CompletableFuture<Void>> send(List<DeadLetter> deadLetters) {
        return send(deadLetters, null);
    }

    private List<CompletableFuture<Void>> send(List<DeadLetter> deadLetters, Consumer<?, ?> consumer) {
        // One recoverer per call: it keeps the sends of this call instead of waiting for each.
        CollectingRecoverer recoverer = new CollectingRecoverer(template, topic);
        List<CompletableFuture<Void>> sends = new ArrayList<>(deadLetters.size());
        for (DeadLetter deadLetter : deadLetters) {
            CompletableFuture<Void> sent;
            try {
                recoverer.sent = null;
                recoverer.accept(deadLetter.record(), consumer, deadLetter.reason());
                sent = recoverer.sent != null
                        ? recoverer.sent.thenRun(() -> {})
                        : CompletableFuture.failedFuture(new IllegalStateException("No dead letter was sent"));
            } catch (RuntimeException ex) {
                sent = CompletableFuture.failedFuture(ex);
            }
            if (ProducerGaveUp.on(sent)) {
                // The producer gave up at once (no metadata for the topic after max.block.ms, say): the rest
                // would fail too, each after as long. They fail now with this one's failure.
                while (sends.size() < deadLetters.size()) {
                    sends.add(sent);
                }
                break;
            }
            sends.add(sent.exceptionallyComposeAsync(failure -> DeadLetterWithoutValue.tooLarge(failure)
                    ? sendWithoutValue(deadLetter)
                    : CompletableFuture.failedFuture(failure)));
        }
        return sends;
    }

    /** The dead letter again, without its value: it names the record, which stays in its topic. */
    private CompletableFuture<Void> sendWithoutValue(DeadLetter deadLetter) {
        ConsumerRecord<?, ?> record = deadLetter.record();
        String omitted = Math.max(record.serializedValueSize(), 0)
                + " bytes; not kept, the record stays in its original topic until its retention";
        CompletableFuture<?> sent;
        try {
            sent = template.send(DeadLetterWithoutValue.of(topic, record, deadLetter.reason(), omitted));
        } catch (RuntimeException ex) {
            return CompletableFuture.failedFuture(ex);
        }
        // Told on the producer's thread: the record's job, task, portfolio and trace put there for the line.
        return sent.thenRun(() -> {
            try (LogContext context = ActivityLogContext.of(record)) {
                log.warn(() -> ("Activity event %s-%d@%d: its dead letter is sent without its value, too large for"
                                + " the broker; the record stays in %s until its retention")
                        .formatted(record.topic(), record.partition(), record.offset(), record.topic()));
            }
        });
    }

    /**
     * One record to dead-letter.
     *
     * @param record the record as consumed
     * @param reason why it cannot be written; its class and message go into the headers
     */
    record DeadLetter(ConsumerRecord<?, ?> record, Exception reason) {}

    private static final class CollectingRecoverer extends DeadLetterPublishingRecoverer {

        /** The send of the last dead letter. */
        private CompletableFuture<?> sent;

        CollectingRecoverer(KafkaOperations<?, ?> template, String topic) {
            // Partition -1: the producer's partitioner places it by key.
            super(template, (record, ex) -> new TopicPartition(topic, -1));
        }

        /**
         * Keeps the send instead of waiting for it. A record the producer refuses before sending (over
         * its {@code max.request.size}) may make the template throw at once; that failure is kept as
         * the send's answer, so that its cause is known.
         */
        @Override
        protected void publish(
                ProducerRecord<Object, Object> outRecord,
                KafkaOperations<Object, Object> template,
                ConsumerRecord<?, ?> inRecord) {
            try {
                sent = template.send(outRecord);
            } catch (RuntimeException ex) {
                sent = CompletableFuture.failedFuture(ex);
            }
        }
    }
}
