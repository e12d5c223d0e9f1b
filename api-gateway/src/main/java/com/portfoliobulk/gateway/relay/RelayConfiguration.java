package com.portfoliobulk.gateway.relay;

import com.portfoliobulk.gateway.retention.RetentionProperties;
import com.portfoliobulk.servicesupport.kafka.DeclaredTopics;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.support.ProducerListener;

/**
 * The task topic (created if missing, its settings set at every start), the producer's listener and the
 * relay's backlog gauge.
 */
@Configuration(proxyBeanMethods = false)
class RelayConfiguration {

    /**
     * How long a segment of the task topic takes records ({@code segment.ms}). Kafka deletes whole
     * segments, once their newest record is older than the retention: a record goes at most this much
     * after {@code bulk.gateway.relay.record-retention}.
     */
    static final Duration SEGMENT = Duration.ofDays(1);

    /**
     * The task topic, keeping its records {@code bulk.gateway.relay.record-retention} (7 days), set also
     * on a topic that exists already ({@code spring.kafka.admin.modify-topic-configs}: each declared
     * setting whose value differs from the topic's, inherited from the broker or not). Without an age
     * limit the topic kept every record of jobs the retention had deleted, and a worker group without
     * offsets (a new group id, or a group whose offsets the broker expired) read them all from the start
     * and dead-lettered each, as a record naming no stored task. A job's records are written before it
     * finishes (a re-drive aside), so they are gone before the job is deleted.
     */
    @Bean
    NewTopic bulkTasksTopic(RelayProperties properties, RetentionProperties retention) {
        Duration longest = properties.recordRetention().plus(SEGMENT);
        if (longest.compareTo(retention.finishedJobs()) >= 0) {
            throw new IllegalArgumentException("bulk.gateway.relay.record-retention is "
                    + RelayProperties.text(properties.recordRetention())
                    + "; it must be below bulk.gateway.retention.finished-jobs, "
                    + RelayProperties.text(retention.finishedJobs())
                    + ", by more than a day (Kafka deletes a day's segment of records at once): a record still on"
                    + " the task topic when its job is deleted is dead-lettered by a worker group that reads the"
                    + " topic from its start. Lower bulk.gateway.relay.record-retention, or raise"
                    + " bulk.gateway.retention.finished-jobs.");
        }
        NewTopic topic = DeclaredTopics.topic(
                properties.topic(),
                properties.partitions(),
                properties.replicationFactor(),
                properties.minInsyncReplicas());
        Map<String, String> configs = new HashMap<>(topic.configs());
        configs.put(
                TopicConfig.RETENTION_MS_CONFIG,
                String.valueOf(properties.recordRetention().toMillis()));
        configs.put(TopicConfig.SEGMENT_MS_CONFIG, String.valueOf(SEGMENT.toMillis()));
        return topic.configs(configs);
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
