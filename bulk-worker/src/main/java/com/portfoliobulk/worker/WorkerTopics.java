package com.portfoliobulk.worker;

import com.portfoliobulk.servicesupport.kafka.DeclaredTopics;
import org.apache.kafka.clients.admin.NewTopic;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Declares the topics the worker produces to: the task dead letters and the account activity. The
 * task topic belongs to its producer, the api-gateway.
 */
@Configuration(proxyBeanMethods = false)
class WorkerTopics {

    @Bean
    NewTopic taskDeadLetterTopic(WorkerProperties properties) {
        return topic(properties.topics().deadLetter(), properties.topics());
    }

    /**
     * Kept whatever its events' age ({@link DeclaredTopics#withoutAgeLimit}): an event is the only copy
     * of its activity entry until the audit-consumer has written it, which a stopped audit-consumer, or
     * one retrying a batch the database does not take, may not do for days.
     */
    @Bean
    NewTopic accountActivityTopic(WorkerProperties properties) {
        return DeclaredTopics.withoutAgeLimit(topic(properties.topics().activity(), properties.topics()));
    }

    private static NewTopic topic(String name, WorkerProperties.TopicNames topics) {
        return DeclaredTopics.topic(name, topics.partitions(), topics.replicas(), topics.minInsyncReplicas());
    }
}
