package com.portfoliobulk.audit.log;

import com.portfoliobulk.contracts.AccountActivityEvent;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;
import org.springframework.boot.kafka.autoconfigure.DefaultKafkaConsumerFactoryCustomizer;
import org.springframework.boot.kafka.autoconfigure.DefaultKafkaProducerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.core.DefaultKafkaConsumerFactory;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.support.serializer.DelegatingByTypeSerializer;
import org.springframework.kafka.support.serializer.ErrorHandlingDeserializer;
import org.springframework.kafka.support.serializer.JacksonJsonDeserializer;
import org.springframework.kafka.support.serializer.JacksonJsonSerializer;
import tools.jackson.databind.json.JsonMapper;

/**
 * How the audit consumer's records look on the wire: JSON of the {@code bulk-contracts} records
 * without type headers, read and written by the application's {@link JsonMapper}; keys as strings
 * (Boot's default). Every other client setting is a {@code spring.kafka} property.
 */
@Configuration(proxyBeanMethods = false)
class KafkaSerialization {

    /**
     * Activity records are read as {@link AccountActivityEvent}, whatever headers they carry. An
     * unreadable value reaches the listener as a failure (then the dead-letter topic), not as an
     * endless loop. Instants are read by {@link IsoInstants}.
     */
    @Bean
    DefaultKafkaConsumerFactoryCustomizer activityDeserialization(JsonMapper jsonMapper) {
        JsonMapper records = IsoInstants.forRecords(jsonMapper);
        return factory -> setValueDeserializer(
                factory,
                () -> new ErrorHandlingDeserializer<>(
                        new JacksonJsonDeserializer<>(AccountActivityEvent.class, records, false)));
    }

    /**
     * Only dead letters are produced here: an unreadable record is forwarded as its original bytes, a
     * readable but invalid one as its JSON.
     */
    @Bean
    DefaultKafkaProducerFactoryCustomizer jsonOrOriginalBytesSerialization(JsonMapper jsonMapper) {
        return factory -> setValueSerializer(
                factory,
                () -> new DelegatingByTypeSerializer(
                        Map.of(
                                byte[].class,
                                new ByteArraySerializer(),
                                Object.class,
                                new JacksonJsonSerializer<>(jsonMapper).noTypeInfo()),
                        true));
    }

    // Boot's factories are typed <Object, Object> behind wildcards; the values are what these serdes make.
    @SuppressWarnings("unchecked")
    private static <V> void setValueDeserializer(
            DefaultKafkaConsumerFactory<?, V> factory, Supplier<? extends Deserializer<?>> value) {
        factory.setValueDeserializerSupplier(() -> (Deserializer<V>) value.get());
    }

    @SuppressWarnings("unchecked")
    private static <V> void setValueSerializer(
            DefaultKafkaProducerFactory<?, V> factory, Supplier<? extends Serializer<?>> value) {
        factory.setValueSerializerSupplier(() -> (Serializer<V>) value.get());
    }
}
