package com.portfoliobulk.worker;

import com.portfoliobulk.testsupport.DeclaredTopicChecks;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Value;

/** The topics the worker declares carry their min.insync.replicas, whatever the broker's default. */
class WorkerTopicsIntegrationTests extends WorkerIntegrationSupport {

    @Value("${spring.kafka.bootstrap-servers}")
    String bootstrapServers;

    @Test
    void theDeadLetterAndActivityTopicsHaveTheirOwnMinInsyncReplicasAfterStartup() throws Exception {
        List<String> topics =
                List.of(properties.topics().deadLetter(), properties.topics().activity());
        DeclaredTopicChecks.assertOwnMinInsyncReplicas(bootstrapServers, topics);
    }
}
