package com.portfoliobulk.localstack;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/** Records on a topic and a consumer group's lag on it, read with the admin client. */
final class KafkaOffsets implements AutoCloseable {

    private final Admin admin;

    KafkaOffsets(String kafkaBootstrapServers) {
        this.admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafkaBootstrapServers));
    }

    /** The records on {@code topic}: its partitions' end offsets, summed. */
    long records(String topic) throws ExecutionException, InterruptedException {
        return endOffsets(topic).values().stream()
                .mapToLong(ListOffsetsResultInfo::offset)
                .sum();
    }

    /**
     * The records of {@code topic} after the group's committed offsets, summed over the partitions;
     * a partition the group committed nothing on counts all its records.
     */
    long lag(String group, String topic) throws ExecutionException, InterruptedException {
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                .partitionsToOffsetAndMetadata()
                .get();
        Map<TopicPartition, ListOffsetsResultInfo> ends = endOffsets(topic);
        return ends.entrySet().stream()
                .mapToLong(end -> {
                    OffsetAndMetadata offset = committed.get(end.getKey());
                    return end.getValue().offset() - (offset == null ? 0 : offset.offset());
                })
                .sum();
    }

    private Map<TopicPartition, ListOffsetsResultInfo> endOffsets(String topic)
            throws ExecutionException, InterruptedException {
        Map<TopicPartition, OffsetSpec> latest =
                admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().stream()
                        .collect(Collectors.toMap(
                                partition -> new TopicPartition(topic, partition.partition()),
                                partition -> OffsetSpec.latest()));
        return admin.listOffsets(latest).all().get();
    }

    @Override
    public void close() {
        admin.close();
    }
}
