package com.portfoliobulk.servicesupport.kafka;

import java.util.Map;
import java.util.function.Supplier;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;
import org.springframework.boot.kafka.autoconfigure.DefaultKafkaConsumerFactoryCustomizer;
import org.springframework.boot.kafka.autoconfigure.DefaultKafkaProducerFactoryCustomizer;
import org.springframework.kafka.core.DefaultKafkaConsumerFactory;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.support.serializer.DelegatingByTypeSerializer;
import org.springframework.kafka.support.serializer.ErrorHandlingDeserializer;
import org.springframework.kafka.support.serializer.JacksonJsonDeserializer;
import org.springframework.kafka.support.serializer.JacksonJsonSerializer;
import tools.jackson.databind.json.JsonMapper;

/** The value (de)serializers of the services' Kafka clients, set through Boot's factory customizers. */
public final class KafkaJson {

    private KafkaJson() {}

    /**
     * Record values are read as {@code type}, whatever headers they carry. A record that cannot be read
     * reaches the listener with a {@code null} value and the failure in a header (so the listener or
     * its error handler can dead-letter it and go on with the rest of the batch), not as an endless
     * loop. Instants are read by {@link IsoInstants}. Declare it as a bean in the consuming service.
     */
    public static DefaultKafkaConsumerFactoryCustomizer readValuesAs(Class<?> type, JsonMapper jsonMapper) {
        JsonMapper records = IsoInstants.forRecords(jsonMapper);
        return factory -> setValueDeserializer(
                factory, () -> new ErrorHandlingDeserializer<>(new JacksonJsonDeserializer<>(type, records, false)));
    }

    /**
     * Values are JSON without type headers, except {@code byte[]} values (the original bytes of an
     * unreadable record on its way to a dead-letter topic), which are written unchanged.
     */
    public static DefaultKafkaProducerFactoryCustomizer writeJsonOrOriginalBytes(JsonMapper jsonMapper) {
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
