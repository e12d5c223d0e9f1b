package com.portfoliobulk.worker.apply;

import com.portfoliobulk.servicesupport.jdbc.DatabaseStandby;
import com.portfoliobulk.worker.WorkerProperties;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.kafka.KafkaException;
import org.springframework.kafka.config.KafkaListenerEndpointRegistry;
import org.springframework.kafka.listener.DefaultErrorHandler;
import org.springframework.kafka.listener.RetryListener;
import org.springframework.util.backoff.ExponentialBackOff;

/**
 * How the listener container redelivers a batch the listener could not finish, and when it stands aside
 * for the other workers.
 */
@Configuration(proxyBeanMethods = false)
class RedeliveryConfiguration {

    /** Stops the task listener while the database leaves every transaction unanswered ({@code bulk.worker.standby-after}). */
    @Bean
    DatabaseStandby taskListenerStandby(
            KafkaListenerEndpointRegistry listeners,
            JdbcClient jdbc,
            WorkerProperties properties,
            MeterRegistry meters) {
        return new DatabaseStandby(listeners, TaskListener.ID, jdbc, properties.standbyAfter(), meters);
    }

    /**
     * Redelivers a failed batch after an exponential back-off, without end: the listener dead-letters
     * unreadable and invalid records itself and fails tasks whose attempts are used up, so what reaches
     * this handler is an outage (database or broker) that must be waited out, or a refusal of the
     * database that an operator mends (a grant or a table or column missing), never a reason to drop
     * tasks. While it waits, the consumer is paused and keeps polling, so it stays in its group.
     */
    @Bean
    DefaultErrorHandler taskBatchErrorHandler(WorkerProperties properties, ApplyMetrics metrics) {
        WorkerProperties.Redelivery redelivery = properties.redelivery();
        ExponentialBackOff backOff =
                new ExponentialBackOff(redelivery.initialInterval().toMillis(), redelivery.multiplier());
        backOff.setMaxInterval(redelivery.maxInterval().toMillis());
        DefaultErrorHandler handler = new DefaultErrorHandler(backOff);
        handler.setClassifications(Map.of(), true);
        handler.setLogLevel(KafkaException.Level.WARN);
        handler.setRetryListeners(new RetryListener() {

            @Override
            public void failedDelivery(ConsumerRecord<?, ?> record, Exception ex, int deliveryAttempt) {
                metrics.retried();
            }

            @Override
            public void failedDelivery(ConsumerRecords<?, ?> records, Exception ex, int deliveryAttempt) {
                metrics.retried();
            }
        });
        return handler;
    }
}
