package com.portfoliobulk.testsupport;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Garbage near the broker's size limit, as anyone who may write to a topic could send it: the broker
 * takes it, but its dead letter, with the headers a dead letter adds, is too large for the producer.
 */
public final class OversizedRecords {

    /** The value's size: under the test broker's and a producer's limit of about 1 MiB, by less than the headers add. */
    public static final int SIZE = 1_048_000;

    private OversizedRecords() {}

    /** {@value #SIZE} random letters. */
    public static byte[] letters() {
        byte[] letters = new byte[SIZE];
        for (int index = 0; index < letters.length; index++) {
            letters[index] = (byte) ('a' + ThreadLocalRandom.current().nextInt(26));
        }
        return letters;
    }

    /** Writes the value under the key to the topic, acknowledged by every replica; answers where it is. */
    public static RecordMetadata publish(
            String bootstrapServers, String topic, String key, byte[] value, Duration within)
            throws InterruptedException, ExecutionException, TimeoutException {
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(
                Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        bootstrapServers,
                        ProducerConfig.ACKS_CONFIG,
                        "all",
                        ProducerConfig.MAX_REQUEST_SIZE_CONFIG,
                        1_100_000),
                new StringSerializer(),
                new ByteArraySerializer())) {
            return producer.send(new ProducerRecord<>(topic, key, value)).get(within.toSeconds(), TimeUnit.SECONDS);
        }
    }
}
