package com.portfoliobulk.gateway.relay;

import com.portfoliobulk.contracts.Topics;
import com.portfoliobulk.servicesupport.kafka.DeclaredTopics;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import java.util.Locale;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * @param enabled whether this instance runs the relay loop
 * @param topic the task topic
 * @param partitions the task topic's partitions, when this service creates it
 * @param replicationFactor the task topic's replication factor, when this service creates it
 * @param minInsyncReplicas the task topic's {@code min.insync.replicas}: how many replicas hold a record
 *     before the relay's {@code acks=all} send succeeds; unset, one less than the replication factor
 *     and at least 1 (see {@link DeclaredTopics#minInsyncReplicas})
 * @param recordRetention how long the task topic keeps a record ({@code retention.ms}, set on the topic
 *     at every start): a record is needed only until a worker reads it, since the task is stored in
 *     PostgreSQL and the stuck-task sweep sends a pending task again when its record is gone. At least
 *     a day; below {@code bulk.gateway.retention.finished-jobs} by more than a day (checked where the
 *     topic is declared, {@link RelayConfiguration}), so that no record outlives its job
 * @param batchSize the most tasks published per pass
 * @param maxInFlight the most tasks sent and not yet ended (by the workers) before the relay waits for
 *     them; 0 for no limit. Keeps a large job's tasks in the database until the workers near them,
 *     instead of all on the topic in its first seconds
 * @param idlePollInterval how long the relay waits when there was nothing (or less than a full
 *     batch) to publish; a new job wakes it at once
 * @param sendTimeout how long a pass waits for the broker's acknowledgements of its batch; keep it
 *     above the producer's {@code delivery.timeout.ms} so every send has an outcome. With {@link
 *     TaskRelay#IDLE_SLACK} more, PostgreSQL's {@code idle_in_transaction_session_timeout} of the pass's
 *     transaction, in whole milliseconds: from 1 ms to {@link Integer#MAX_VALUE} ms less the slack
 * @param initialBackoff the wait after a failed pass, doubling up to {@code maxBackoff}
 * @param maxBackoff the longest wait between failed passes
 * @param backlogRefreshInterval how long the backlog gauge reuses its last count
 */
@Validated
@ConfigurationProperties("bulk.gateway.relay")
record RelayProperties(
        @DefaultValue("true") boolean enabled,
        @DefaultValue(Topics.BULK_TASKS) String topic,
        @DefaultValue("12") @Min(1) int partitions,
        @DefaultValue("1") @Min(1) short replicationFactor,
        Integer minInsyncReplicas,
        @DefaultValue("7d") @NotNull Duration recordRetention,
        @DefaultValue("5000") @Min(1) int batchSize,
        @DefaultValue("50000") @Min(0) int maxInFlight,
        @DefaultValue("100ms") Duration idlePollInterval,
        @DefaultValue("40s") Duration sendTimeout,
        @DefaultValue("200ms") Duration initialBackoff,
        @DefaultValue("10s") Duration maxBackoff,
        @DefaultValue("1s") Duration backlogRefreshInterval) {

    RelayProperties {
        // An empty or malformed name started the gateway, and no task was ever published.
        topic = DeclaredTopics.name(topic, "bulk.gateway.relay.topic (BULK_TASKS_TOPIC)");
        minInsyncReplicas = DeclaredTopics.minInsyncReplicas(
                replicationFactor, minInsyncReplicas, "bulk.gateway.relay.min-insync-replicas");
        if (recordRetention != null && recordRetention.compareTo(Duration.ofDays(1)) < 0) {
            throw new IllegalArgumentException("bulk.gateway.relay.record-retention is " + text(recordRetention)
                    + "; it must be at least 1 day: a record deleted before a worker read it is sent again"
                    + " only by the stuck-task sweep, up to hours later");
        }
        // 0 (or below 1 ms, waited in whole milliseconds) had an idle relay ask PostgreSQL for tasks again
        // without a pause, on one core for as long as the gateway ran.
        if (idlePollInterval != null && idlePollInterval.compareTo(Duration.ofMillis(1)) < 0) {
            throw new IllegalArgumentException("bulk.gateway.relay.idle-poll-interval is " + shown(idlePollInterval)
                    + "; it must be at least 1ms (100ms by default), or an idle relay queries the database"
                    + " without a pause");
        }
        // 0 sent the next pass at once after a failed one, doubling to 0 again: a broker or database
        // outage was met with passes as fast as the gateway could make them.
        if (initialBackoff != null && !initialBackoff.isPositive()) {
            throw new IllegalArgumentException("bulk.gateway.relay.initial-backoff is " + shown(initialBackoff)
                    + "; it must be positive (200ms by default), or the relay tries again without a pause"
                    + " while the broker or the database fails");
        }
        if (initialBackoff != null && maxBackoff != null && maxBackoff.compareTo(initialBackoff) < 0) {
            throw new IllegalArgumentException("bulk.gateway.relay.max-backoff is " + shown(maxBackoff)
                    + "; it must be at least bulk.gateway.relay.initial-backoff, " + shown(initialBackoff));
        }
        // With 30 s more, PostgreSQL's idle_in_transaction_session_timeout of each pass's transaction
        // (Outbox.tryLock), in whole milliseconds: above its largest value, every pass failed and no task
        // was published; below 1 ms, every pass gave up on its batch's acknowledgements at once.
        Duration longestSendTimeout = Duration.ofMillis(Integer.MAX_VALUE).minus(TaskRelay.IDLE_SLACK);
        if (sendTimeout != null
                && (sendTimeout.compareTo(Duration.ofMillis(1)) < 0 || sendTimeout.compareTo(longestSendTimeout) > 0)) {
            throw new IllegalArgumentException("bulk.gateway.relay.send-timeout is "
                    + sendTimeout.toString().substring(2).toLowerCase(Locale.ROOT)
                    + "; it must be from 1ms to " + longestSendTimeout.toMillis() + "ms (about 24.8 days less"
                    + " the 30s more a pass's transaction may stand idle, PostgreSQL's"
                    + " idle_in_transaction_session_timeout), or no task is published. Set it above the"
                    + " producer's delivery.timeout.ms (30s), as the default, 40s, is");
        }
    }

    /** A short duration as set, e.g. {@code 200ms}, {@code 10s} or {@code 1m30s}. */
    private static String shown(Duration duration) {
        if (duration.toNanosPart() % 1_000_000 == 0 && duration.toMillis() % 1000 != 0) {
            return duration.toMillis() + "ms";
        }
        return duration.toString().substring(2).toLowerCase(Locale.ROOT);
    }

    /** A duration as set: whole days as {@code 7d}, else e.g. {@code 36h} or {@code 90m}. */
    static String text(Duration duration) {
        if (duration.toSeconds() % Duration.ofDays(1).toSeconds() == 0 && duration.toNanosPart() == 0) {
            return duration.toDays() + "d";
        }
        return duration.toString().substring(2).toLowerCase(Locale.ROOT);
    }
}
