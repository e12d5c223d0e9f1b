package com.portfoliobulk.gateway.support;

import com.portfoliobulk.contracts.BulkTaskMessage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads the task topic as the worker would, with a plain consumer of its own: it starts at the end
 * of every partition when opened, so a test sees only what was published after it began.
 */
public final class TaskTopic implements AutoCloseable {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final KafkaConsumer<String, String> consumer;

    private final List<Received> received = new ArrayList<>();

    private TaskTopic(KafkaConsumer<String, String> consumer) {
        this.consumer = consumer;
    }

    /** A reader of {@code topic} positioned at its current end. */
    public static TaskTopic fromNow(String bootstrapServers, String topic) {
        return open(bootstrapServers, topic, true);
    }

    /** A reader of {@code topic} from its first record. */
    public static TaskTopic fromBeginning(String bootstrapServers, String topic) {
        return open(bootstrapServers, topic, false);
    }

    private static TaskTopic open(String bootstrapServers, String topic, boolean atEnd) {
        KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrapServers,
                ConsumerConfig.GROUP_ID_CONFIG,
                "test-" + UUID.randomUUID(),
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                false,
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
                StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
                StringDeserializer.class));
        List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                .map(info -> new TopicPartition(topic, info.partition()))
                .toList();
        consumer.assign(partitions);
        if (atEnd) {
            consumer.seekToEnd(partitions);
        } else {
            consumer.seekToBeginning(partitions);
        }
        partitions.forEach(consumer::position);
        return new TaskTopic(consumer);
    }

    /**
     * Waits until {@code count} records matching {@code filter} arrived and answers them, in the
     * order they were read (offset order within each partition).
     *
     * @throws AssertionError when they did not all arrive within {@code timeout}
     */
    public List<Received> await(Predicate<BulkTaskMessage> filter, int count, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (matching(filter).size() < count && System.nanoTime() < deadline) {
            poll();
        }
        List<Received> matching = matching(filter);
        if (matching.size() < count) {
            throw new AssertionError(
                    "Expected " + count + " task records within " + timeout + " but got " + matching.size());
        }
        return matching;
    }

    /**
     * Reads everything the topic holds now (up to the current end of every partition) and answers
     * the records matching {@code filter} among all read so far.
     */
    public List<Received> readToEnd(Predicate<BulkTaskMessage> filter) {
        Map<TopicPartition, Long> end = consumer.endOffsets(consumer.assignment());
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (end.entrySet().stream().anyMatch(e -> consumer.position(e.getKey()) < e.getValue())) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("Could not read the topic to its end");
            }
            poll();
        }
        return matching(filter);
    }

    /** Waits for {@code count} records of the job. */
    public List<Received> awaitJob(UUID jobId, int count) {
        return await(message -> message.jobId().equals(jobId), count, Duration.ofSeconds(60));
    }

    /** Waits for {@code count} records of any of the jobs. */
    public List<Received> awaitJobs(Collection<UUID> jobIds, int count) {
        return await(message -> jobIds.contains(message.jobId()), count, Duration.ofSeconds(60));
    }

    private void poll() {
        for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
            received.add(new Received(
                    record.key(),
                    record.partition(),
                    record.offset(),
                    // The trace context (traceparent, tracestate) is not counted.
                    (int) java.util.Arrays.stream(record.headers().toArray())
                            .filter(header -> !header.key().startsWith("trace"))
                            .count(),
                    JSON.readValue(record.value(), BulkTaskMessage.class)));
        }
    }

    /**
     * For every account, the jobs whose tasks reached it, in the order they were published (a job
     * re-sent after a failure counts once, where it first appeared).
     */
    public static Map<String, List<UUID>> jobOrderPerAccount(List<Received> records) {
        Map<String, List<UUID>> order = new TreeMap<>();
        records.stream()
                .sorted(Comparator.comparingInt(Received::partition).thenComparingLong(Received::offset))
                .forEach(record -> {
                    List<UUID> jobs = order.computeIfAbsent(record.key(), key -> new ArrayList<>());
                    if (!jobs.contains(record.message().jobId())) {
                        jobs.add(record.message().jobId());
                    }
                });
        return order;
    }

    private List<Received> matching(Predicate<BulkTaskMessage> filter) {
        return received.stream().filter(r -> filter.test(r.message())).toList();
    }

    @Override
    public void close() {
        consumer.close();
    }

    /**
     * One record of the task topic.
     *
     * @param key the record key
     * @param partition its partition
     * @param offset its offset
     * @param headers how many headers it has besides the trace context
     * @param message its value
     */
    public record Received(String key, int partition, long offset, int headers, BulkTaskMessage message) {}
}
