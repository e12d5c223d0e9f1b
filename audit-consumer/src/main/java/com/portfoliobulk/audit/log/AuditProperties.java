package com.portfoliobulk.audit.log;

import com.portfoliobulk.contracts.Topics;
import com.portfoliobulk.servicesupport.kafka.DeclaredTopics;
import com.portfoliobulk.servicesupport.kafka.KafkaHealthIndicator;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import java.util.Locale;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The activity listener's configuration ({@code bulk.audit.*}).
 *
 * @param activityTopic the topic of activity events (produced by the bulk-worker)
 * @param deadLetterTopic where unreadable or invalid events go, with exception headers; this
 *     service declares it
 * @param groupId the consumer group of the audit-consumer instances
 * @param concurrency consumers per instance; more than the topic's partitions is useless
 * @param deadLetterPartitions partitions of the dead-letter topic
 * @param replicationFactor replication factor of the dead-letter topic
 * @param minInsyncReplicas {@code min.insync.replicas} of the dead-letter topic; unset, one less than
 *     the replication factor and at least 1 (see {@link DeclaredTopics#minInsyncReplicas})
 * @param retryInitialInterval the first pause before a batch that failed to be written (database
 *     down, timeout, deadlock) is tried again
 * @param retryMaxInterval the longest pause between tries; such a batch is tried until it is
 *     written, never dropped. Keep it well under {@code max.poll.interval.ms}
 * @param standbyAfter how long the database may leave every write unanswered before the activity
 *     listener stops, so that this instance's partitions go to instances that reach it (back once it
 *     answers)
 * @param kafkaDownAfter how long the broker may leave the audit-consumer's lookups unanswered before its
 *     readiness is DOWN (health {@code kafka}, {@link KafkaHealthIndicator}); from 1 s to 1 h
 */
@Validated
@ConfigurationProperties("bulk.audit")
record AuditProperties(
        @DefaultValue(Topics.ACCOUNT_ACTIVITY) @NotBlank String activityTopic,

        @DefaultValue(Topics.ACCOUNT_ACTIVITY_DEAD_LETTER) @NotBlank
        String deadLetterTopic,

        @DefaultValue(DEFAULT_GROUP_ID) @NotBlank String groupId,
        @DefaultValue(DEFAULT_CONCURRENCY) @Min(1) int concurrency,
        @DefaultValue("12") @Min(1) int deadLetterPartitions,
        @DefaultValue("1") @Min(1) short replicationFactor,
        Integer minInsyncReplicas,
        @DefaultValue("200ms") @NotNull Duration retryInitialInterval,
        @DefaultValue("10s") @NotNull Duration retryMaxInterval,
        @DefaultValue("45s") @NotNull Duration standbyAfter,
        @DefaultValue("10s") @NotNull Duration kafkaDownAfter) {

    AuditProperties {
        // A malformed name started the audit-consumer, which then read nothing; a dead-letter topic the
        // same as the activity topic sent each dead letter back to be read, and dead-lettered, again.
        activityTopic = DeclaredTopics.name(activityTopic, ACTIVITY_TOPIC);
        deadLetterTopic = DeclaredTopics.name(deadLetterTopic, DEAD_LETTER_TOPIC);
        DeclaredTopics.distinct(activityTopic, ACTIVITY_TOPIC, deadLetterTopic, DEAD_LETTER_TOPIC);
        minInsyncReplicas = DeclaredTopics.minInsyncReplicas(
                replicationFactor, minInsyncReplicas, "bulk.audit.min-insync-replicas");
        // The error handler's back-off (ActivityListenerConfiguration): 0 tried a failed write again
        // without a pause, and -1 ms is the back-off's "stop", which sent the events of the first write
        // failing in a database outage to the dead-letter topic instead of trying them again.
        if (retryInitialInterval != null && !retryInitialInterval.isPositive()) {
            throw new IllegalArgumentException("bulk.audit.retry-initial-interval is " + text(retryInitialInterval)
                    + "; it must be positive (200ms by default), or a write that failed is tried again without"
                    + " a pause or its events are dead-lettered at once");
        }
        if (retryMaxInterval != null
                && retryInitialInterval != null
                && retryMaxInterval.compareTo(retryInitialInterval) < 0) {
            throw new IllegalArgumentException("bulk.audit.retry-max-interval is " + text(retryMaxInterval)
                    + "; it must be at least bulk.audit.retry-initial-interval, " + text(retryInitialInterval)
                    + " (10s by default)");
        }
        if (!standbyAfter.isPositive()) {
            throw new IllegalArgumentException("bulk.audit.standby-after must be positive");
        }
        KafkaHealthIndicator.checkDownAfter(kafkaDownAfter, "bulk.audit.kafka-down-after");
    }

    /** A duration as set, e.g. {@code 200ms}, {@code 10s} or {@code -1ms}. */
    private static String text(Duration duration) {
        if (duration.toNanosPart() % 1_000_000 == 0 && duration.toMillis() % 1000 != 0) {
            return duration.toMillis() + "ms";
        }
        return duration.toString().substring(2).toLowerCase(Locale.ROOT);
    }

    private static final String ACTIVITY_TOPIC = "bulk.audit.activity-topic (BULK_ACTIVITY_TOPIC)";

    private static final String DEAD_LETTER_TOPIC = "bulk.audit.dead-letter-topic (BULK_ACTIVITY_DLT_TOPIC)";

    static final String DEFAULT_GROUP_ID = "audit-consumer";

    static final String DEFAULT_CONCURRENCY = "2";
}
