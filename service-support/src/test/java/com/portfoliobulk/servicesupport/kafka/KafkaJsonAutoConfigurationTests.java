package com.portfoliobulk.servicesupport.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import tools.jackson.databind.json.JsonMapper;

/**
 * The producers' compression type ({@code BULK_KAFKA_COMPRESSION} in every service) is one Kafka
 * knows, or the service does not start, saying which values it takes. Before, a service with {@code
 * LZ4} or {@code zstandard} started, and every send failed once it made its producer.
 */
class KafkaJsonAutoConfigurationTests {

    private final ApplicationContextRunner service = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(KafkaAutoConfiguration.class, KafkaJsonAutoConfiguration.class))
            .withBean(JsonMapper.class, JsonMapper::new);

    @Test
    void everyCompressionTypeKafkaKnowsStartsTheService() {
        for (String type : new String[] {"none", "gzip", "snappy", "lz4", "zstd"}) {
            service.withPropertyValues("spring.kafka.producer.compression-type=" + type)
                    .run(context -> assertThat(context.getBean(DefaultKafkaProducerFactory.class)
                                    .getConfigurationProperties())
                            .containsEntry("compression.type", type));
        }
        service.run(context -> assertThat(context).hasNotFailed());
    }

    @Test
    void aCompressionTypeKafkaDoesNotKnowStopsTheServiceAtItsStartNamingTheVariable() {
        for (String type : new String[] {"LZ4", "zstandard", ""}) {
            service.withPropertyValues("spring.kafka.producer.compression-type=" + type)
                    .run(context -> assertThat(context)
                            .hasFailed()
                            .getFailure()
                            .rootCause()
                            .hasMessage("BULK_KAFKA_COMPRESSION (spring.kafka.producer.compression-type) is '" + type
                                    + "'; it must be one of none, gzip, snappy, lz4, zstd, as Kafka spells them,"
                                    + " or no record can be sent"));
        }
    }
}
