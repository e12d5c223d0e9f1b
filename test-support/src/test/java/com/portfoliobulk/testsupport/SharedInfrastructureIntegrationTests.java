package com.portfoliobulk.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

class SharedInfrastructureIntegrationTests {

    @Test
    void databaseIsPostgres17WithEverySchemaMigrated() throws SQLException {
        DatabaseEndpoint endpoint = SharedInfrastructure.database();
        try (Connection connection =
                DriverManager.getConnection(endpoint.jdbcUrl(), endpoint.username(), endpoint.password())) {
            assertThat(connection.getMetaData().getDatabaseMajorVersion()).isEqualTo(17);
            List<String> tables = new ArrayList<>();
            try (ResultSet rows = connection
                    .createStatement()
                    .executeQuery("SELECT table_schema || '.' || table_name FROM information_schema.tables"
                            + " WHERE table_schema IN ('directory', 'jobs', 'audit')")) {
                while (rows.next()) {
                    tables.add(rows.getString(1));
                }
            }
            assertThat(tables)
                    .contains(
                            "directory.memberships",
                            "jobs.bulk_jobs",
                            "jobs.bulk_tasks",
                            "jobs.idempotency_keys",
                            "audit.activity_log");
        }
    }

    @Test
    void brokerRoundTripsARecord() {
        String topic = "round-trip-" + UUID.randomUUID();
        String servers = SharedInfrastructure.kafkaBootstrapServers();
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, servers,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class))) {
            producer.send(new ProducerRecord<>(topic, "account-1", "hello"));
            producer.flush();
        }
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                servers,
                ConsumerConfig.GROUP_ID_CONFIG,
                topic,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                "earliest",
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
                StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
                StringDeserializer.class))) {
            consumer.subscribe(List.of(topic));
            List<ConsumerRecord<String, String>> received = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (received.isEmpty() && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(received::add);
            }
            assertThat(received).singleElement().satisfies(record -> {
                assertThat(record.key()).isEqualTo("account-1");
                assertThat(record.value()).isEqualTo("hello");
            });
        }
    }
}
