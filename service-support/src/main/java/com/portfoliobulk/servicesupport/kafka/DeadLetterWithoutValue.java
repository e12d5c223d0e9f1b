package com.portfoliobulk.servicesupport.kafka;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.springframework.kafka.listener.DeadLetterPublishingRecoverer;
import org.springframework.kafka.support.KafkaHeaders;

/**
 * A dead letter sent without its value, for a record whose dead letter the producer or the broker
 * refuses as too large (a record near the size limit, to which the dead letter's headers add the
 * rest): refused for good, it would fail its batch on every delivery and hold up every later record of
 * its partition. It names the record instead: its original topic, partition and offset and the
 * exception's class and message, under the names {@link DeadLetterPublishingRecoverer} gives them, and
 * the header {@value #VALUE_OMITTED_HEADER}. It keeps the record's key only when that is short; its
 * other headers are left out too, as they may be what made it too large (a deserialization failure
 * carries the record's bytes once more).
 */
public final class DeadLetterWithoutValue {

    /** The header of a dead letter sent without its value: how large the value was, and where it is kept. */
    public static final String VALUE_OMITTED_HEADER = "bulk_dead_letter_value_omitted";

    /** The longest key, in UTF-8 bytes, a dead letter without its value keeps. */
    private static final int MAX_KEY_BYTES = 256;

    /** The longest exception message, in characters, a dead letter without its value carries. */
    private static final int MAX_MESSAGE_LENGTH = 1000;

    private DeadLetterWithoutValue() {}

    /** Whether the send failed because the producer or the broker refused the record as too large. */
    public static boolean tooLarge(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof RecordTooLargeException || cause instanceof RecordBatchTooLargeException) {
                return true;
            }
        }
        return false;
    }

    /**
     * The dead letter of {@code record} without its value, for {@code topic}: partitioned by its key when
     * it keeps one, else placed on any partition.
     *
     * @param valueOmitted the text of the header {@value #VALUE_OMITTED_HEADER}
     * @param first headers that go before the others (a dead letter's id, say)
     */
    public static ProducerRecord<Object, Object> of(
            String topic, ConsumerRecord<?, ?> record, Exception reason, String valueOmitted, Header... first) {
        Headers headers = new RecordHeaders(first.clone())
                .add(KafkaHeaders.DLT_ORIGINAL_TOPIC, utf8(record.topic()))
                .add(
                        KafkaHeaders.DLT_ORIGINAL_PARTITION,
                        ByteBuffer.allocate(Integer.BYTES)
                                .putInt(record.partition())
                                .array())
                .add(
                        KafkaHeaders.DLT_ORIGINAL_OFFSET,
                        ByteBuffer.allocate(Long.BYTES).putLong(record.offset()).array())
                .add(KafkaHeaders.DLT_EXCEPTION_FQCN, utf8(reason.getClass().getName()));
        if (reason.getMessage() != null) {
            headers.add(KafkaHeaders.DLT_EXCEPTION_MESSAGE, utf8(shortened(reason.getMessage())));
        }
        headers.add(VALUE_OMITTED_HEADER, utf8(valueOmitted));
        // A key as large as the value would make this one too large as well.
        Object key = record.key() instanceof String text && utf8(text).length <= MAX_KEY_BYTES ? text : null;
        return new ProducerRecord<>(topic, null, key, null, headers);
    }

    private static String shortened(String message) {
        if (message.length() <= MAX_MESSAGE_LENGTH) {
            return message;
        }
        int end = MAX_MESSAGE_LENGTH;
        // Not between the two halves of a surrogate pair.
        if (Character.isHighSurrogate(message.charAt(end - 1))) {
            end--;
        }
        return message.substring(0, end);
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
