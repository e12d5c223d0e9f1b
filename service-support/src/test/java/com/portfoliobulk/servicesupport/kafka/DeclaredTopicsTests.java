package com.portfoliobulk.servicesupport.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.util.Map;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;

class DeclaredTopicsTests {

    @Test
    void minInsyncReplicasDefaultsToOneLessThanTheReplicasAndAtLeastOne() {
        assertThat(DeclaredTopics.minInsyncReplicas((short) 3, null, "p")).isEqualTo(2);
        assertThat(DeclaredTopics.minInsyncReplicas((short) 2, null, "p")).isEqualTo(1);
        assertThat(DeclaredTopics.minInsyncReplicas((short) 1, null, "p")).isEqualTo(1);
    }

    @Test
    void aConfiguredMinInsyncReplicasIsKeptWhenTheReplicasCanMeetIt() {
        assertThat(DeclaredTopics.minInsyncReplicas((short) 3, 3, "p")).isEqualTo(3);
        assertThat(DeclaredTopics.minInsyncReplicas((short) 3, 1, "p")).isEqualTo(1);
    }

    @Test
    void aMinInsyncReplicasAboveTheReplicasOrBelowOneIsRefusedNamingTheSetting() {
        assertThatIllegalArgumentException()
                .isThrownBy(
                        () -> DeclaredTopics.minInsyncReplicas((short) 1, 2, "bulk.worker.topics.min-insync-replicas"))
                .withMessageContaining("bulk.worker.topics.min-insync-replicas")
                .withMessageContaining("BULK_TOPIC_MIN_INSYNC_REPLICAS")
                .withMessageContaining("between 1 and the replication factor, 1");
        assertThatIllegalArgumentException().isThrownBy(() -> DeclaredTopics.minInsyncReplicas((short) 3, 0, "p"));
    }

    @Test
    void aTopicNameKafkaTakesIsKept() {
        for (String name : new String[] {"portfolio.bulk-tasks", "a", "A_b-1.c", "x".repeat(249)}) {
            assertThat(DeclaredTopics.name(name, "p")).isEqualTo(name);
        }
    }

    @Test
    void aTopicNameKafkaRefusesIsRefusedNamingTheSettingAndKafkasReason() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> DeclaredTopics.name("portfolio/bulk-tasks", "bulk.x.topic (BULK_X_TOPIC)"))
                .withMessageStartingWith("bulk.x.topic (BULK_X_TOPIC) is 'portfolio/bulk-tasks', which Kafka refuses"
                        + " as a topic name: ")
                .withMessageContaining("characters other than ASCII alphanumerics, '.', '_' and '-'");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> DeclaredTopics.name("", "bulk.x.topic (BULK_X_TOPIC)"))
                .withMessageStartingWith("bulk.x.topic (BULK_X_TOPIC) is '', which Kafka refuses as a topic name: ")
                .withMessageContaining("empty");
        for (String name : new String[] {null, " ", ".", "..", "x".repeat(250), "tâches"}) {
            assertThatIllegalArgumentException()
                    .isThrownBy(() -> DeclaredTopics.name(name, "p"))
                    .withMessageStartingWith("p is '");
        }
    }

    @Test
    void aTopicKafkaTakesForTheSameAsTheSourceIsRefusedNamingBoth() {
        DeclaredTopics.distinct("tasks", "a", "tasks-dlt", "b");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> DeclaredTopics.distinct("t.a", "bulk.x.topic (X)", "t.a", "bulk.x.dlt (Y)"))
                .withMessage("bulk.x.dlt (Y) is 't.a', which Kafka takes for the same topic as bulk.x.topic (X),"
                        + " 't.a': give each its own name");
        assertThatIllegalArgumentException().isThrownBy(() -> DeclaredTopics.distinct("t.a", "a", "t_a", "b"));
    }

    @Test
    void theTopicCarriesItsMinInsyncReplicas() {
        NewTopic topic = DeclaredTopics.topic("t", 12, (short) 3, 2);

        assertThat(topic.numPartitions()).isEqualTo(12);
        assertThat(topic.replicationFactor()).isEqualTo((short) 3);
        assertThat(topic.configs()).isEqualTo(Map.of("min.insync.replicas", "2"));
    }
}
