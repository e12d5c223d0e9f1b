package com.portfoliobulk.servicesupport.kafka;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.context.annotation.Bean;
import org.springframework.core.task.SimpleAsyncTaskExecutor;
import org.springframework.kafka.config.ContainerCustomizer;
import org.springframework.kafka.listener.ConcurrentMessageListenerContainer;

/**
 * Kafka listener containers poll and apply on platform threads, whatever the service's {@code
 * spring.threads.virtual.enabled}. A consumer loop is one long-lived thread that spends its time on
 * whole batches: a virtual thread gains it nothing, and on the virtual-thread scheduler, which does
 * not preempt, it holds a carrier (one per core) for the length of a batch's computing while requests
 * of the same process wait for one. A platform thread is preempted by the operating system instead.
 * Requests and other short blocking work stay on virtual threads.
 */
@AutoConfiguration
@ConditionalOnClass(ConcurrentMessageListenerContainer.class)
public final class ListenerThreadsAutoConfiguration {

    @Bean
    ContainerCustomizer<Object, Object, ConcurrentMessageListenerContainer<Object, Object>> platformListenerThreads() {
        return container -> {
            SimpleAsyncTaskExecutor threads = new SimpleAsyncTaskExecutor(container.getListenerId() + "-");
            threads.setVirtualThreads(false);
            container.getContainerProperties().setListenerTaskExecutor(threads);
        };
    }
}
