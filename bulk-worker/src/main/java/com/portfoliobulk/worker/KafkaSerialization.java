package com.portfoliobulk.worker;

import com.portfoliobulk.contracts.BulkTaskMessage;
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
 * How the worker's records look on the wire: JSON of the {@code bulk-contracts} records without type
 * headers, keys as strings (Boot's default).
 */
@Configuration(proxyBeanMethods = false)
class KafkaSerialization {

    /**
     * Task records are read as {@link BulkTaskMessage}, whatever headers they carry. A record that
     * cannot be read reaches the listener with a {@code null} value and the failure in a header, so
     * the listener can dead-letter it and go on with the rest of the batch. Instants are read by
     * {@link IsoInstants}.
     */
    @Bean
    DefaultKafkaConsumerFactoryCustomizer taskDeserialization(JsonMapper jsonMapper) {
        JsonMapper records = IsoInstants.forRecords(jsonMapper);
        return factory -> setValueDeserializer(
                factory,
                () -> new ErrorHandlingDeserializer<>(
                        new JacksonJsonDeserializer<>(BulkTaskMessage.class, records, false)));
    }

    /**
     * Values are JSON, except the original bytes of an unreadable task record, which go to the dead
     * letter topic unchanged.
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
