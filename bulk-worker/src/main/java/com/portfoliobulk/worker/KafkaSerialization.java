package com.portfoliobulk.worker;

import com.portfoliobulk.contracts.BulkTaskMessage;
import com.portfoliobulk.servicesupport.kafka.KafkaJson;
import org.springframework.boot.kafka.autoconfigure.DefaultKafkaConsumerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import tools.jackson.databind.json.JsonMapper;

/**
 * The type the worker reads from Kafka. Values are JSON of the {@code bulk-contracts} records without
 * type headers, keys strings; the producer side (JSON, or the original bytes of a dead letter) is
 * service-support's {@code KafkaJsonAutoConfiguration}.
 */
@Configuration(proxyBeanMethods = false)
class KafkaSerialization {

    /**
     * Task records are read as {@link BulkTaskMessage}, whatever headers they carry. A record that
     * cannot be read reaches the listener with a {@code null} value and the failure in a header, so
     * the listener can dead-letter it and go on with the rest of the batch.
     */
    @Bean
    DefaultKafkaConsumerFactoryCustomizer taskDeserialization(JsonMapper jsonMapper) {
        return KafkaJson.readValuesAs(BulkTaskMessage.class, jsonMapper);
    }
}
