package com.portfoliobulk.testsupport;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerInterceptor;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * Topics the tests' broker refuses to create when a producer asks for it, as when a service lacks
 * CreateTopics rights: a send to one waits the producer's {@code max.block.ms} for the topic's
 * metadata and then fails. {@link #producerSettings(Duration)} gives a producer that waits less than
 * the services' 10 s and counts the records it is handed ({@link #sendsTo(String)}).
 */
public final class RefusedTopics {

    private static final Map<String, AtomicInteger> SENDS = new ConcurrentHashMap<>();

    private RefusedTopics() {}

    /**
     * A new topic the broker does not have and does not create when a producer asks for it: a topic
     * whose name differs only by {@code _} in place of {@code .} exists, and Kafka refuses a name that
     * collides so.
     */
    public static String create(String bootstrapServers) {
        String id = UUID.randomUUID().toString();
        try (Admin admin = DeclaredTopicChecks.admin(bootstrapServers)) {
            admin.createTopics(List.of(new NewTopic("portfolio_refused_" + id, 1, (short) 1)))
                    .all()
                    .get(30, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException ex) {
            throw new IllegalStateException("Could not create the colliding topic", ex);
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
        return "portfolio.refused." + id;
    }

    /**
     * Producer settings over a service's own: wait {@code maxBlock} for a topic's metadata, and count
     * every record handed to the producer.
     */
    public static Map<String, Object> producerSettings(Duration maxBlock) {
        return Map.of(
                ProducerConfig.MAX_BLOCK_MS_CONFIG,
                (int) maxBlock.toMillis(),
                ProducerConfig.INTERCEPTOR_CLASSES_CONFIG,
                CountingSends.class.getName());
    }

    /** The records handed to a producer with {@link #producerSettings} for {@code topic}, sent or failed. */
    public static int sendsTo(String topic) {
        AtomicInteger sends = SENDS.get(topic);
        return sends == null ? 0 : sends.get();
    }

    /** Counts every record the producer is handed, before it waits for the topic's metadata. */
    public static final class CountingSends implements ProducerInterceptor<Object, Object> {

        @Override
        public ProducerRecord<Object, Object> onSend(ProducerRecord<Object, Object> record) {
            SENDS.computeIfAbsent(record.topic(), topic -> new AtomicInteger()).incrementAndGet();
            return record;
        }

        @Override
        public void onAcknowledgement(RecordMetadata metadata, Exception exception) {}

        @Override
        public void close() {}

        @Override
        public void configure(Map<String, ?> configs) {}
    }
}
