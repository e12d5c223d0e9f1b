package com.portfoliobulk.servicesupport.kafka;

import java.time.Duration;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.context.annotation.Bean;
import org.springframework.core.task.SimpleAsyncTaskExecutor;
import org.springframework.kafka.config.ContainerCustomizer;
import org.springframework.kafka.listener.ConcurrentMessageListenerContainer;
import org.springframework.kafka.listener.ContainerProperties;

/**
 * What every Kafka listener container of a service gets, whatever its own settings:
 *
 * <ul>
 *   <li>It polls and applies on platform threads, whatever the service's {@code
 *       spring.threads.virtual.enabled}. A consumer loop is one long-lived thread that spends its time
 *       on whole batches: a virtual thread gains it nothing, and on the virtual-thread scheduler, which
 *       does not preempt, it holds a carrier (one per core) for the length of a batch's computing while
 *       requests of the same process wait for one. A platform thread is preempted by the operating
 *       system instead. Requests and other short blocking work stay on virtual threads.
 *   <li>It outlives a refusal by the broker's security: an authentication or authorization error from
 *       a poll (a topic or group ACL not granted yet, a SASL password rotated before the service's) is
 *       retried every {@link #AUTH_RETRY_INTERVAL}, unless the service sets {@code
 *       spring.kafka.listener.auth-exception-retry-interval} itself. Without an interval the container
 *       stops for good at the first such error, and nothing starts it again but a restart.
 * </ul>
 *
 * <p>And the service learns which consumers the broker refuses ({@link RefusedConsumers}): their
 * listener counts as not running meanwhile ({@link ListenerRunning}).
 *
 * <p>Boot's listener container factory takes one {@link ContainerCustomizer} only, so both are here.
 */
@AutoConfiguration
@ConditionalOnClass(ConcurrentMessageListenerContainer.class)
public final class ListenerContainersAutoConfiguration {

    /** How long a listener refused by the broker's security waits before it polls again. */
    public static final Duration AUTH_RETRY_INTERVAL = Duration.ofSeconds(10);

    @Bean
    RefusedConsumers refusedConsumers() {
        return new RefusedConsumers();
    }

    @Bean
    ContainerCustomizer<Object, Object, ConcurrentMessageListenerContainer<Object, Object>>
            listenerContainerDefaults() {
        return container -> {
            ContainerProperties properties = container.getContainerProperties();
            SimpleAsyncTaskExecutor threads = new SimpleAsyncTaskExecutor(container.getListenerId() + "-");
            threads.setVirtualThreads(false);
            properties.setListenerTaskExecutor(threads);
            if (properties.getAuthExceptionRetryInterval() == null) {
                properties.setAuthExceptionRetryInterval(AUTH_RETRY_INTERVAL);
            }
        };
    }
}
