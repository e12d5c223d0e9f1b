package com.portfoliobulk.gateway.relay;

import org.apache.kafka.common.serialization.Serializer;
import org.springframework.boot.kafka.autoconfigure.DefaultKafkaProducerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.support.serializer.JacksonJsonSerializer;
import tools.jackson.databind.json.JsonMapper;

/**
 * How the gateway's records look on the wire: task values as JSON written by the application's
 * {@link JsonMapper}, without type headers (consumers read a fixed type); keys as strings (Boot's
 * default). Every other producer setting is a {@code spring.kafka.producer} property.
 */
@Configuration(proxyBeanMethods = false)
class KafkaSerialization {

    @Bean
    DefaultKafkaProducerFactoryCustomizer jsonValueSerialization(JsonMapper jsonMapper) {
        return factory -> setValueSerializer(factory, jsonMapper);
    }

    // Boot's factory is typed <Object, Object> behind a wildcard; the values are what this serializer writes.
    @SuppressWarnings("unchecked")
    private static <V> void setValueSerializer(DefaultKafkaProducerFactory<?, V> factory, JsonMapper jsonMapper) {
        factory.setValueSerializerSupplier(() -> (Serializer<V>) new JacksonJsonSerializer<>(jsonMapper).noTypeInfo());
    }
}
