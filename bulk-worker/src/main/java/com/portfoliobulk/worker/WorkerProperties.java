package com.portfoliobulk.worker;

import com.portfoliobulk.contracts.Topics;
import com.portfoliobulk.servicesupport.kafka.DeclaredTopics;
import com.portfoliobulk.servicesupport.kafka.KafkaHealthIndicator;
import java.time.Duration;
import java.util.Locale;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The bulk-worker's own settings ({@code bulk.worker.*}). Kafka client settings (group id, poll size,
 * listener concurrency) are Spring Boot's {@code spring.kafka.*}; retry timings are Resilience4j's
 * {@code resilience4j.*}.
 *
 * @param topics the topics the worker reads and writes
 * @param taskMaxAttempts how often one task is attempted before it ends {@code FAILED} with
 *     {@code RETRIES_EXHAUSTED}; an outage of the database does not count
 * @param redelivery the back-off between redeliveries of a batch that could not be finished
 * @param publishTimeout how long a batch waits for the broker to acknowledge its activity events and
 *     dead letters before it is redelivered; with 30 s more, PostgreSQL's
 *     {@code idle_in_transaction_session_timeout} of the transactions that wait for it ({@link
 *     TransactionWaits}), so at most {@link Integer#MAX_VALUE} ms less those 30 s
 * @param standbyAfter how long the database may leave every transaction unanswered before the task
 *     listener stops, so that the worker's partitions go to workers that reach it (back once it answers)
 * @param kafkaDownAfter how long the broker may leave the worker's lookups unanswered before its
 *     readiness is DOWN (health {@code kafka}, {@link KafkaHealthIndicator}); from 1 s to 1 h
 */
@ConfigurationProperties("bulk.worker")
public record WorkerProperties(
        @DefaultValue TopicNames topics,
        @DefaultValue("5") int taskMaxAttempts,
        @DefaultValue Redelivery redelivery,
        @DefaultValue("30s") Duration publishTimeout,
        @DefaultValue("45s") Duration standbyAfter,
        @DefaultValue("10s") Duration kafkaDownAfter) {

    public WorkerProperties {
        if (taskMaxAttempts < 1) {
            throw new IllegalArgumentException("bulk.worker.task-max-attempts must be at least 1");
        }
        requirePositive(publishTimeout, "bulk.worker.publish-timeout");
        // With 30 s more, PostgreSQL's idle_in_transaction_session_timeout (TransactionWaits.allow), in
        // whole milliseconds: above its largest value, every transaction that waits for the broker failed
        // (the expiry sweep, the passes that log link changes and accepted invitations, re-drives).
        if (publishTimeout.compareTo(TransactionWaits.LONGEST) > 0) {
            throw new IllegalArgumentException(
                    "bulk.worker.publish-timeout is "
                            + publishTimeout.toString().substring(2).toLowerCase(Locale.ROOT)
                            + "; it must be positive and at most " + TransactionWaits.LONGEST.toMillis()
                            + "ms (about 24.8 days less the 30s more a transaction that waits for the broker may"
                            + " stand idle, PostgreSQL's idle_in_transaction_session_timeout), or the invitation"
                            + " expiry sweep, the logging of link changes and accepted invitations and every dead"
                            + " letter re-drive fail. Set it above the producer's delivery.timeout.ms (25s), as the default, 30s, is");
        }
        requirePositive(standbyAfter, "bulk.worker.standby-after");
        KafkaHealthIndicator.checkDownAfter(kafkaDownAfter, "bulk.worker.kafka-down-after");
    }

    /**
     * @param tasks the tasks to apply (produced by the api-gateway)
     * @param deadLetter where unreadable and invalid task records go
     * @param activity where the worker publishes one event per applied change
     * @param partitions partitions of the topics the worker declares
     * @param replicas replication factor of the topics the worker declares
     * @param minInsyncReplicas {@code min.insync.replicas} of the topics the worker declares; unset, one
     *     less than {@code replicas} and at least 1 (see {@link DeclaredTopics#minInsyncReplicas})
     */
    public record TopicNames(
            @DefaultValue(Topics.BULK_TASKS) String tasks,
            @DefaultValue(Topics.BULK_TASKS_DEAD_LETTER) String deadLetter,
            @DefaultValue(Topics.ACCOUNT_ACTIVITY) String activity,
            @DefaultValue("12") int partitions,
            @DefaultValue("1") short replicas,
            Integer minInsyncReplicas) {

        public TopicNames {
            // An empty or malformed name started the worker, which then read or sent nothing on that
            // topic; a dead-letter topic the same as the task topic sent each dead letter back to be
            // read, and dead-lettered, again.
            tasks = DeclaredTopics.name(tasks, TASKS);
            deadLetter = DeclaredTopics.name(deadLetter, DEAD_LETTER);
            activity = DeclaredTopics.name(activity, ACTIVITY);
            DeclaredTopics.distinct(tasks, TASKS, deadLetter, DEAD_LETTER);
            DeclaredTopics.distinct(tasks, TASKS, activity, ACTIVITY);
            DeclaredTopics.distinct(deadLetter, DEAD_LETTER, activity, ACTIVITY);
            if (partitions < 1 || replicas < 1) {
                throw new IllegalArgumentException("bulk.worker.topics partitions and replicas must be at least 1");
            }
            minInsyncReplicas = DeclaredTopics.minInsyncReplicas(
                    replicas, minInsyncReplicas, "bulk.worker.topics.min-insync-replicas");
        }
    }

    private static final String TASKS = "bulk.worker.topics.tasks (BULK_TASKS_TOPIC)";

    private static final String DEAD_LETTER = "bulk.worker.topics.dead-letter (BULK_TASKS_DLT_TOPIC)";

    private static final String ACTIVITY = "bulk.worker.topics.activity (BULK_ACTIVITY_TOPIC)";

    /**
     * Exponential back-off between redeliveries of a batch, without an end: the worker waits out an
     * outage instead of giving up on tasks. The longest interval stays far below
     * {@code max.poll.interval.ms}; the consumer is paused and keeps polling while it waits.
     *
     * @param initialInterval the first wait
     * @param multiplier the growth per attempt
     * @param maxInterval the longest wait, at least the first (a shorter one would make every wait the
     *     longest, the first included, without a word)
     */
    public record Redelivery(
            @DefaultValue("500ms") Duration initialInterval,
            @DefaultValue("2.0") double multiplier,
            @DefaultValue("10s") Duration maxInterval) {

        public Redelivery {
            requirePositive(initialInterval, "bulk.worker.redelivery.initial-interval");
            requirePositive(maxInterval, "bulk.worker.redelivery.max-interval");
            if (maxInterval.compareTo(initialInterval) < 0) {
                throw new IllegalArgumentException("bulk.worker.redelivery.max-interval is " + text(maxInterval)
                        + "; it must be at least bulk.worker.redelivery.initial-interval, " + text(initialInterval)
                        + " (500ms by default)");
            }
            if (multiplier < 1.0) {
                throw new IllegalArgumentException("bulk.worker.redelivery.multiplier must be at least 1");
            }
        }
    }

    /** A duration as an operator sets it: {@code 200ms}, {@code 10s}, {@code 1m30s}. */
    private static String text(Duration duration) {
        if (duration.toNanosPart() % 1_000_000 == 0 && duration.toMillis() % 1000 != 0) {
            return duration.toMillis() + "ms";
        }
        return duration.toString().substring(2).toLowerCase(Locale.ROOT);
    }

    private static void requirePositive(Duration duration, String name) {
        if (duration == null || duration.isNegative() || duration.isZero()) {
            throw new IllegalArgumentException(name + " must be positive");
        }
    }
}
