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
import org.springframework.kafka.event.ConsumerRetryAuthEvent;
import org.springframework.kafka.event.ConsumerRetryAuthEvent.Reason;
import org.springframework.kafka.event.ConsumerRetryAuthSuccessfulEvent;
import org.springframework.kafka.event.ConsumerStoppedEvent;
import org.springframework.kafka.listener.MessageListenerContainer;

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

    /**
     * A listener of two consumers counts as refused while either is refused, and no longer once each
     * was let in again or stopped.
     */
    @Test
    void aListenerCountsAsRefusedWhileTheBrokerRefusesAnyOfItsConsumers() {
        service.withConfiguration(AutoConfigurations.of(ListenerContainersAutoConfiguration.class))
                .run(context -> {
                    RefusedConsumers refused = context.getBean(RefusedConsumers.class);
                    MessageListenerContainer listener = context.getBean(ConcurrentKafkaListenerContainerFactory.class)
                            .createContainer("tasks");
                    Object first = new Object();
                    Object second = new Object();
                    assertThat(refused.refusesAny(listener)).isFalse();

                    context.publishEvent(new ConsumerRetryAuthEvent(first, listener, Reason.AUTHENTICATION));
                    context.publishEvent(new ConsumerRetryAuthEvent(second, listener, Reason.AUTHENTICATION));
                    assertThat(refused.refusal(listener))
                            .hasValueSatisfying(
                                    refusal -> assertThat(refusal).startsWith("the broker refuses its credentials"));

                    context.publishEvent(new ConsumerRetryAuthSuccessfulEvent(first, listener));
                    assertThat(refused.refusesAny(listener)).isTrue();
                    context.publishEvent(
                            new ConsumerStoppedEvent(second, listener, ConsumerStoppedEvent.Reason.NORMAL));
                    assertThat(refused.refusesAny(listener)).isFalse();
                });
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
