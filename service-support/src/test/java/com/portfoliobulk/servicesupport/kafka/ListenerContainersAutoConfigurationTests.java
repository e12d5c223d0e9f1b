package com.portfoliobulk.servicesupport.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.kafka.config.ConcurrentKafkaListenerContainerFactory;

class ListenerContainersAutoConfigurationTests {

    private final ApplicationContextRunner service = new ApplicationContextRunner()
            .withPropertyValues("spring.threads.virtual.enabled=true")
            .withConfiguration(AutoConfigurations.of(KafkaAutoConfiguration.class));

    @Test
    void listenersOfAServiceOnVirtualThreadsRunOnPlatformThreads() {
        service.withConfiguration(AutoConfigurations.of(ListenerContainersAutoConfiguration.class))
                .run(context -> assertThat(listenerThreadIsVirtual(context)).isFalse());
    }

    @Test
    void withoutItTheyWouldRunOnVirtualThreads() {
        service.run(context -> assertThat(listenerThreadIsVirtual(context)).isTrue());
    }

    @Test
    void aListenerRefusedByTheBrokersSecurityPollsAgainAfterTenSeconds() {
        service.withConfiguration(AutoConfigurations.of(ListenerContainersAutoConfiguration.class))
                .run(context -> assertThat(authRetryInterval(context)).isEqualTo(Duration.ofSeconds(10)));
    }

    @Test
    void anIntervalTheServiceSetsIsKept() {
        service.withConfiguration(AutoConfigurations.of(ListenerContainersAutoConfiguration.class))
                .withPropertyValues("spring.kafka.listener.auth-exception-retry-interval=45s")
                .run(context -> assertThat(authRetryInterval(context)).isEqualTo(Duration.ofSeconds(45)));
    }

    private static Duration authRetryInterval(ConfigurableApplicationContext context) {
        return context.getBean(ConcurrentKafkaListenerContainerFactory.class)
                .createContainer("tasks")
                .getContainerProperties()
                .getAuthExceptionRetryInterval();
    }

    private static boolean listenerThreadIsVirtual(ConfigurableApplicationContext context) throws Exception {
        ConcurrentKafkaListenerContainerFactory<?, ?> factory =
                context.getBean(ConcurrentKafkaListenerContainerFactory.class);
        var container = factory.createContainer("tasks");
        return container
                .getContainerProperties()
                .getListenerTaskExecutor()
                .submitCompletable(() -> Thread.currentThread().isVirtual())
                .get(10, TimeUnit.SECONDS);
    }
}
