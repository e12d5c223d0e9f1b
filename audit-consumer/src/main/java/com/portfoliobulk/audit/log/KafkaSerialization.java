package com.portfoliobulk.audit.log;

import com.portfoliobulk.contracts.AccountActivityEvent;
import com.portfoliobulk.servicesupport.kafka.KafkaJson;
import org.springframework.boot.kafka.autoconfigure.DefaultKafkaConsumerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import tools.jackson.databind.json.JsonMapper;

/**
 * The type the audit consumer reads from Kafka. Values are JSON of the {@code bulk-contracts} records
 * without type headers, keys strings; the producer side (only dead letters here: an unreadable record
 * as its original bytes, a readable but invalid one as its JSON) is service-support's
 * {@code KafkaJsonAutoConfiguration}. Every other client setting is a {@code spring.kafka} property.
 */
@Configuration(proxyBeanMethods = false)
class KafkaSerialization {

    /**
     * Activity records are read as {@link AccountActivityEvent}, whatever headers they carry. An
     * unreadable value reaches the listener as a failure (then the dead-letter topic), not as an
     * endless loop.
     */
    @Bean
    DefaultKafkaConsumerFactoryCustomizer activityDeserialization(JsonMapper jsonMapper) {
        return KafkaJson.readValuesAs(AccountActivityEvent.class, jsonMapper);
    }
}
