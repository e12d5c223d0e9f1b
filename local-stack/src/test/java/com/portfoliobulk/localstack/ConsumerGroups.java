package com.portfoliobulk.localstack;

import com.portfoliobulk.testsupport.SharedInfrastructure;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupIdNotFoundException;

/** Who owns a consumer group's partitions, as the broker tells it, for the tests that run processes. */
final class ConsumerGroups {

    private ConsumerGroups() {}

    /**
     * The processes (by client id: Spring Kafka names a listener's consumers {@code <client-id>-<n>})
     * that own the group's partitions and how many each, once the group is stable and every one of the
     * topic's {@link SharedInfrastructure#PARTITIONS} partitions is owned; empty otherwise.
     */
    static Map<String, Integer> owners(Admin admin, String group) throws InterruptedException {
        ConsumerGroupDescription description;
        try {
            description =
                    admin.describeConsumerGroups(List.of(group)).all().get().get(group);
        } catch (ExecutionException ex) {
            if (ex.getCause() instanceof GroupIdNotFoundException) {
                return Map.of();
            }
            throw new IllegalStateException(ex);
        }
        if (description.groupState() != GroupState.STABLE) {
            return Map.of();
        }
        Map<String, Integer> owners = new LinkedHashMap<>();
        Set<TopicPartition> owned = new HashSet<>();
        for (MemberDescription member : description.members()) {
            Set<TopicPartition> partitions = member.assignment().topicPartitions();
            if (!partitions.isEmpty()) {
                owned.addAll(partitions);
                owners.merge(member.clientId().replaceFirst("-\\d+$", ""), partitions.size(), Integer::sum);
            }
        }
        return owned.size() == SharedInfrastructure.PARTITIONS ? owners : Map.of();
    }
}
