package com.portfoliobulk.audit.log;

import com.portfoliobulk.audit.log.ActivityEventListener.EntriesNotWrittenException;
import com.portfoliobulk.servicesupport.jdbc.DatabaseFailure;
import com.portfoliobulk.servicesupport.jdbc.DatabaseStandby;
import com.portfoliobulk.servicesupport.kafka.DeclaredTopics;
import com.portfoliobulk.servicesupport.kafka.KafkaHealthIndicator;
import com.portfoliobulk.servicesupport.logging.FailureText;
import com.portfoliobulk.servicesupport.logging.LogContext;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.log.LogAccessor;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.kafka.config.KafkaListenerEndpointRegistry;
import org.springframework.kafka.core.KafkaAdmin;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.listener.BatchListenerFailedException;
import org.springframework.kafka.listener.DefaultErrorHandler;
import org.springframework.kafka.listener.RetryListener;
import org.springframework.util.backoff.ExponentialBackOff;

/**
 * Error handling of the activity listener: poison records go to the dead-letter topic at once, with
 * the exception headers; every other failure is retried with back-off until the batch is written, and
 * while the database leaves every write unanswered the listener stands aside for the other instances;
 * readiness follows the broker too. The records' serialization is in {@link KafkaSerialization}; the dead letters go through Boot's
 * auto-configured template.
 */
@Configuration(proxyBeanMethods = false)
class ActivityListenerConfiguration {

    /**
     * Kept whatever its dead letters' age ({@link DeclaredTopics#withoutAgeLimit}): a dead letter is the
     * only copy of its event, there until an operator publishes it again, however late.
     */
    @Bean
    NewTopic activityDeadLetterTopic(AuditProperties properties) {
        return DeclaredTopics.withoutAgeLimit(DeclaredTopics.topic(
                properties.deadLetterTopic(),
                properties.deadLetterPartitions(),
                properties.replicationFactor(),
                properties.minInsyncReplicas()));
    }

    /**
     * Sends records to the dead-letter topic with the exception headers; used by the error handler and
     * by the listener for entries the database refuses.
     */
    @Bean
    ActivityDeadLetters activityDeadLetters(KafkaTemplate<Object, Object> template, AuditProperties properties) {
        return new ActivityDeadLetters(template, properties.deadLetterTopic());
    }

    /** Stops the activity listener while the database leaves every write unanswered ({@code bulk.audit.standby-after}). */
    @Bean
    DatabaseStandby activityListenerStandby(
            KafkaListenerEndpointRegistry listeners,
            JdbcClient jdbc,
            AuditProperties properties,
            MeterRegistry meters) {
        return new DatabaseStandby(listeners, ActivityEventListener.ID, jdbc, properties.standbyAfter(), meters);
    }

    /**
     * {@code kafka}, part of the readiness group: DOWN once the broker has not answered for {@code
     * bulk.audit.kafka-down-after}, with the audit-consumer's own Kafka settings; the activity listener
     * keeps running meanwhile and writes nothing.
     */
    @Bean
    KafkaHealthIndicator kafkaHealthIndicator(KafkaAdmin admin, AuditProperties properties) {
        return new KafkaHealthIndicator(admin, properties.kafkaDownAfter());
    }

    /** Picked up by Boot's listener container factory. */
    @Bean
    DefaultErrorHandler activityErrorHandler(
            ActivityDeadLetters recoverer, AuditProperties properties, MeterRegistry meters) {
        ExponentialBackOff backOff =
                new ExponentialBackOff(properties.retryInitialInterval().toMillis(), 2.0);
        backOff.setMaxInterval(properties.retryMaxInterval().toMillis());
        DefaultErrorHandler handler = new DefaultErrorHandler(recoverer, backOff);
        // DeserializationException is not retryable by default; invalid or refused events never get better either.
        handler.addNotRetryableExceptions(InvalidActivityEventException.class, DataIntegrityViolationException.class);
        // The listener reports every failure at a record (never as a plain one): the records before it are
        // committed, and the rest is kept and delivered again after the back-off with the consumer paused,
        // without a seek. A batch the database never takes is then retried without fetching, which
        // BulkConsumerNotFetching sees (a paused consumer reports no lag); a seek fetched it again each time.
        handler.setSeekAfterError(false);
        handler.setRetryListeners(new FailedWriteLogger(ActivityEventListener.deadLettered(meters)));
        return handler;
    }

    /** Tells operators about entries waiting for the database and events sent to the dead-letter topic. */
    private static final class FailedWriteLogger implements RetryListener {

        private static final LogAccessor log = new LogAccessor(ActivityEventListener.class);

        private final Counter deadLettered;

        FailedWriteLogger(Counter deadLettered) {
            this.deadLettered = deadLettered;
        }

        /**
         * The batch failed from this record on: none of its entries written (the database failed), or,
         * when they were written one at a time, this record's, or it is a poison record.
         */
        @Override
        public void failedDelivery(ConsumerRecord<?, ?> record, Exception ex, int deliveryAttempt) {
            EntriesNotWrittenException notWritten = notWritten(ex);
            if (notWritten != null) {
                log.warn(() -> "Writing " + notWritten.entries() + " activity entries failed (attempt "
                        + deliveryAttempt + "); trying again: " + cause(ex) + remedy(ex));
                return;
            }
            log.warn(() -> "Activity events from " + position(record) + " on failed (attempt " + deliveryAttempt + "): "
                    + cause(ex) + remedy(ex));
        }

        @Override
        public void recovered(ConsumerRecord<?, ?> record, Exception ex) {
            deadLettered.increment();
            // Told after the listener's own context closed: the record's job, task, portfolio and trace again.
            try (LogContext context = ActivityLogContext.of(record)) {
                log.warn(() -> "Activity event " + position(record) + " sent to the dead-letter topic: " + cause(ex));
            }
        }

        /**
         * The whole batch failed for a reason the listener did not foresee; for the others it names the
         * record the batch failed at, and the two methods above tell what becomes of that one.
         */
        @Override
        public void failedDelivery(ConsumerRecords<?, ?> records, Exception ex, int deliveryAttempt) {
            if (ex instanceof BatchListenerFailedException || ex.getCause() instanceof BatchListenerFailedException) {
                return;
            }
            log.warn(() -> "Writing " + records.count() + " activity entries failed (attempt " + deliveryAttempt
                    + "); trying again: " + cause(ex) + remedy(ex));
        }

        private static EntriesNotWrittenException notWritten(Exception ex) {
            for (Throwable cause = ex; cause != null; cause = cause.getCause()) {
                if (cause instanceof EntriesNotWrittenException notWritten) {
                    return notWritten;
                }
            }
            return null;
        }

        private static String position(ConsumerRecord<?, ?> record) {
            return record.topic() + "-" + record.partition() + "@" + record.offset();
        }

        /** Why: its first line alone, as a refused row's further lines quote the row ({@link FailureText}). */
        private static String cause(Exception ex) {
            return FailureText.of(ex);
        }

        /**
         * For a failure that no retry gets past until an operator mends it ({@link DatabaseFailure#REFUSED}),
         * or seldom does ({@link DatabaseFailure#OUT_OF_RESOURCES}: a full disk): what mends it.
         */
        private static String remedy(Exception ex) {
            return switch (DatabaseFailure.of(ex)) {
                case REFUSED -> "; " + DatabaseFailure.REFUSED_REMEDY;
                case OUT_OF_RESOURCES -> "; " + DatabaseFailure.OUT_OF_RESOURCES_REMEDY;
                default -> "";
            };
        }
    }
}
