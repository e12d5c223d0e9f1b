package com.portfoliobulk.worker.health;

import com.portfoliobulk.servicesupport.kafka.KafkaHealthIndicator;
import com.portfoliobulk.worker.WorkerProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.core.KafkaAdmin;

/** The worker's readiness follows the broker too: no task is applied while it cannot be reached. */
@Configuration(proxyBeanMethods = false)
class KafkaHealthConfiguration {

    /**
     * {@code kafka}, part of the readiness group: DOWN once the broker has not answered for {@code
     * bulk.worker.kafka-down-after}, with the worker's own Kafka settings.
     */
    @Bean
    KafkaHealthIndicator kafkaHealthIndicator(KafkaAdmin admin, WorkerProperties properties) {
        return new KafkaHealthIndicator(admin, properties.kafkaDownAfter());
    }
}
