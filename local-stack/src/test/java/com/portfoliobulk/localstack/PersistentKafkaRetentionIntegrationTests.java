package com.portfoliobulk.localstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.portfoliobulk.testsupport.FreePorts;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Time;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The local stack's broker keeps unread records however long the stack stayed stopped. A record
 * written thirty days ago stands for the activity events left on the topic by a stack stopped (Ctrl-C
 * during a large job) and started again weeks later (the task topic has a limit of its own, set by the
 * gateway: its tasks are in PostgreSQL): the broker's retention check deletes by the records' own
 * times, so it sees them as thirty days old either way. Thirty days is past Kafka's own default
 * retention (7 days), which would delete them without the broker's setting. The topic kept stands for
 * the topics that set no retention of their own and so take the broker's.
 */
class PersistentKafkaRetentionIntegrationTests {

    private static final String KEPT = "broker-default-retention";

    private static final String EXPIRING = "ten-day-retention";

    @TempDir
    Path logDirectory;

    @Test
    void theRetentionCheckKeepsRecordsOlderThanKafkasDefaultRetentionThatNoConsumerHasRead() throws Exception {
        // The local stack's broker settings, with the retention check every half second from the start
        // instead of every 5 minutes from 30 s after it.
        int port = FreePorts.take();
        Properties properties = PersistentKafka.properties(logDirectory, port, FreePorts.take());
        properties.setProperty("log.initial.task.delay.ms", "0");
        properties.setProperty("log.retention.check.interval.ms", "500");
        PersistentKafka.format(logDirectory);
        KafkaRaftServer server = new KafkaRaftServer(KafkaConfig.fromProps(properties), Time.SYSTEM);
        server.startup();
        String bootstrapServers = "localhost:" + port;
        try (Admin admin = Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrapServers,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG,
                60_000))) {
            admin.createTopics(List.of(
                            new NewTopic(KEPT, 1, (short) 1),
                            // The proof that the check ran: a topic that keeps records ten days loses its one.
                            new NewTopic(EXPIRING, 1, (short) 1)
                                    .configs(Map.of(
                                            TopicConfig.RETENTION_MS_CONFIG,
                                            String.valueOf(Duration.ofDays(10).toMillis())))))
                    .all()
                    .get(60, TimeUnit.SECONDS);
            long thirtyDaysAgo = Instant.now().minus(Duration.ofDays(30)).toEpochMilli();
            send(bootstrapServers, new ProducerRecord<>(KEPT, 0, thirtyDaysAgo, "account", "unread task"));
            send(bootstrapServers, new ProducerRecord<>(EXPIRING, 0, thirtyDaysAgo, "account", "expired"));

            await().atMost(Duration.ofMinutes(1))
                    .pollInterval(Duration.ofMillis(250))
                    .until(() -> earliestOffset(admin, EXPIRING) == 1);
            // A second expired record deleted by a later check: the one before has gone through every topic.
            send(bootstrapServers, new ProducerRecord<>(EXPIRING, 0, thirtyDaysAgo, "account", "expired too"));
            await().atMost(Duration.ofMinutes(1))
                    .pollInterval(Duration.ofMillis(250))
                    .until(() -> earliestOffset(admin, EXPIRING) == 2);

            assertThat(earliestOffset(admin, KEPT))
                    .as("the start of the topic with the broker's retention")
                    .isZero();
            assertThat(receiveAll(bootstrapServers)).containsExactly("unread task");
        } finally {
            server.shutdown();
            server.awaitShutdown();
        }
    }

    private static void send(String bootstrapServers, ProducerRecord<String, String> record) throws Exception {
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class))) {
            producer.send(record).get(60, TimeUnit.SECONDS);
        }
    }

    private static long earliestOffset(Admin admin, String topic) throws Exception {
        TopicPartition partition = new TopicPartition(topic, 0);
        return admin.listOffsets(Map.of(partition, OffsetSpec.earliest()))
                .partitionResult(partition)
                .get(30, TimeUnit.SECONDS)
                .offset();
    }

    private static List<String> receiveAll(String bootstrapServers) {
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrapServers,
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
                StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
                StringDeserializer.class))) {
            TopicPartition partition = new TopicPartition(KEPT, 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            List<String> values = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (values.isEmpty() && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    values.add(record.value());
                }
            }
            return values;
        }
    }
}
