package com.portfoliobulk.gateway.relay;

import com.portfoliobulk.servicesupport.kafka.DeclaredTopics;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.clients.admin.NewTopic;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.support.ProducerListener;

/** The task topic (created if missing), the producer's listener and the relay's backlog gauge. */
@Configuration(proxyBeanMethods = false)
class RelayConfiguration {

    @Bean
    NewTopic bulkTasksTopic(RelayProperties properties) {
        return DeclaredTopics.topic(
                properties.topic(),
                properties.partitions(),
                properties.replicationFactor(),
                properties.minInsyncReplicas());
    }

    /**
     * Replaces the default listener, which logs every failed record: during a broker outage that is
     * one error per task of every retried batch. The relay logs a failed batch once.
     */
    @Bean
    ProducerListener<Object, Object> quietProducerListener() {
        return new ProducerListener<>() {};
    }

    @Bean
    RelayBacklog relayBacklog(Outbox outbox, RelayProperties properties, MeterRegistry registry) {
        RelayBacklog backlog = new RelayBacklog(outbox, properties.backlogRefreshInterval());
        Gauge.builder("bulk.relay.backlog", backlog, RelayBacklog::value)
                .description("Tasks not yet published to Kafka")
                .register(registry);
        return backlog;
    }
}
