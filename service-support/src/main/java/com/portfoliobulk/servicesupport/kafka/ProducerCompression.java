package com.portfoliobulk.servicesupport.kafka;

import java.util.Arrays;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.record.CompressionType;
import org.springframework.boot.kafka.autoconfigure.DefaultKafkaProducerFactoryCustomizer;

/**
 * The producers' {@code compression.type} ({@code spring.kafka.producer.compression-type}, set from
 * {@code BULK_KAFKA_COMPRESSION} in every service) is one of Kafka's names, checked as the service
 * starts. Kafka itself checks it only when a producer is made, at the first send: a service with, say,
 * {@code LZ4} or {@code zstandard} started, and then every send failed (the gateway published no task,
 * the worker no activity event or dead letter, the audit-consumer no dead letter).
 */
final class ProducerCompression {

    /** The variable the services read the setting from. */
    static final String VARIABLE = "BULK_KAFKA_COMPRESSION";

    private ProducerCompression() {}

    /** Refuses a factory whose producers would refuse their compression type. */
    static DefaultKafkaProducerFactoryCustomizer checked() {
        return factory -> check(factory.getConfigurationProperties().get(ProducerConfig.COMPRESSION_TYPE_CONFIG));
    }

    /** Throws when {@code configured} is set and is none of Kafka's compression types. */
    static void check(Object configured) {
        if (configured == null) {
            return;
        }
        String value = configured.toString();
        boolean known = Arrays.stream(CompressionType.values()).anyMatch(type -> type.name.equals(value));
        if (!known) {
            throw new IllegalStateException(VARIABLE + " (spring.kafka.producer.compression-type) is '" + value
                    + "'; it must be one of " + names() + ", as Kafka spells them, or no record can be sent");
        }
    }

    private static String names() {
        return Arrays.stream(CompressionType.values()).map(type -> type.name).collect(Collectors.joining(", "));
    }
}
