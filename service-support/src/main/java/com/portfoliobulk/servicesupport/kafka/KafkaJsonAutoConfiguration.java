package com.portfoliobulk.servicesupport.kafka;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.kafka.autoconfigure.DefaultKafkaProducerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import tools.jackson.databind.json.JsonMapper;

/**
 * How every service's records look on the wire: values are JSON of the {@code bulk-contracts} records
 * without type headers (consumers read a fixed type, see {@link KafkaJson#readValuesAs}), written by
 * the application's {@link JsonMapper}; keys are strings (Boot's default). Every other client setting
 * is a {@code spring.kafka} property of the service; the producers' compression type is checked as the
 * service starts ({@link ProducerCompression}).
 */
@AutoConfiguration
@ConditionalOnClass({DefaultKafkaProducerFactory.class, DefaultKafkaProducerFactoryCustomizer.class, JsonMapper.class})
public final class KafkaJsonAutoConfiguration {

    /**
     * Values are JSON, except the original bytes of an unreadable record, which go to a dead-letter
     * topic unchanged.
     */
    @Bean
    DefaultKafkaProducerFactoryCustomizer jsonOrOriginalBytesSerialization(JsonMapper jsonMapper) {
        return KafkaJson.writeJsonOrOriginalBytes(jsonMapper);
    }

    /**
     * A compression type Kafka does not know stops the service as it starts, instead of failing every
     * send.
     */
    @Bean
    DefaultKafkaProducerFactoryCustomizer knownCompressionType() {
        return ProducerCompression.checked();
    }
}
