package com.portfoliobulk.servicesupport.kafka;

import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.internals.Topic;
import org.springframework.kafka.config.TopicBuilder;

/**
 * The topics a service declares (created at startup by Boot's {@code KafkaAdmin} when missing): their
 * partitions, replication factor and {@code min.insync.replicas}, so that a producer's {@code acks=all}
 * means held by that many replicas whatever the broker's default; for a topic whose records are kept
 * nowhere else until read, no age limit ({@link #withoutAgeLimit}). Consumers never create topics
 * ({@code allow.auto.create.topics=false}): a topic exists only as its declaring service made it.
 */
public final class DeclaredTopics {

    private DeclaredTopics() {}

    /**
     * The topic {@code name} with its partitions, replicas and {@code min.insync.replicas}.
     *
     * @param minInsyncReplicas as resolved by {@link #minInsyncReplicas}
     */
    public static NewTopic topic(String name, int partitions, short replicas, int minInsyncReplicas) {
        return TopicBuilder.name(name)
                .partitions(partitions)
                .replicas(replicas)
                .config(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, String.valueOf(minInsyncReplicas))
                .build();
    }

    /**
     * The {@code retention.bytes} of a topic declared {@link #withoutAgeLimit}: 1 GiB a partition, some
     * five times the records of the largest job (200,000 of about 1 KB) even all in one partition.
     */
    public static final long BYTES_KEPT_PER_PARTITION = 1024L * 1024 * 1024;

    /**
     * {@code topic} keeping its records whatever their age ({@code retention.ms} -1), the oldest of a
     * partition going only once it holds over {@link #BYTES_KEPT_PER_PARTITION} ({@code retention.bytes}):
     * for a topic whose records are kept nowhere else until read, which Kafka's default age limit
     * ({@code log.retention.hours}, 7 days) would delete unread while their consumer is stopped, or
     * retries, for longer. Set also on a topic that exists already, at every start.
     */
    public static NewTopic withoutAgeLimit(NewTopic topic) {
        Map<String, String> configs = new HashMap<>(topic.configs());
        configs.put(TopicConfig.RETENTION_MS_CONFIG, "-1");
        configs.put(TopicConfig.RETENTION_BYTES_CONFIG, String.valueOf(BYTES_KEPT_PER_PARTITION));
        return topic.configs(configs);
    }

    /**
     * The {@code min.insync.replicas} of topics with {@code replicas} replicas: the configured value, or
     * by default one less than the replicas and at least 1 (2 of 3, 1 of 1), so that one broker may be
     * down while {@code acks=all} sends still succeed.
     *
     * @param configured the configured value, {@code null} for the default
     * @param property the setting's name, for the message when it does not fit the replicas
     * @throws IllegalArgumentException when the configured value is below 1 or above {@code replicas}
     *     (every {@code acks=all} send would then fail)
     */
    public static int minInsyncReplicas(short replicas, Integer configured, String property) {
        if (configured == null) {
            return Math.max(1, replicas - 1);
        }
        if (configured < 1 || configured > replicas) {
            throw new IllegalArgumentException(property + " (BULK_TOPIC_MIN_INSYNC_REPLICAS) is " + configured
                    + ": it must be between 1 and the replication factor, " + replicas
                    + " (with more, every send with acks=all fails); leave it unset for " + Math.max(1, replicas - 1));
        }
        return configured;
    }

    /**
     * {@code name}, a topic name Kafka takes (not empty, at most 249 characters of ASCII letters, digits,
     * {@code .}, {@code _} and {@code -}, not {@code .} or {@code ..}). Else a service started and no
     * record of the topic was ever sent or read.
     *
     * @param setting the setting and its variable, for the message, e.g. {@code bulk.x.topic (BULK_X_TOPIC)}
     * @throws IllegalArgumentException naming the setting and Kafka's reason
     */
    public static String name(String name, String setting) {
        String given = name == null ? "" : name;
        try {
            Topic.validate(given);
        } catch (InvalidTopicException refused) {
            throw new IllegalArgumentException(
                    setting + " is '" + given + "', which Kafka refuses as a topic name: " + refused.getMessage());
        }
        return given;
    }

    /**
     * Refuses a dead-letter (or other) topic that Kafka takes for the same topic as {@code source}: the
     * same name, or one that differs only in {@code .} against {@code _}, which Kafka does not keep apart.
     * Dead letters sent to the topic they came from would be read again, and fail again, without end.
     *
     * @param sourceSetting and {@code otherSetting}: the settings and their variables, for the message
     * @throws IllegalArgumentException naming both settings
     */
    public static void distinct(String source, String sourceSetting, String other, String otherSetting) {
        if (source != null && other != null && Topic.hasCollision(source, other)) {
            throw new IllegalArgumentException(otherSetting + " is '" + other + "', which Kafka takes for the same"
                    + " topic as " + sourceSetting + ", '" + source + "': give each its own name");
        }
    }
}
