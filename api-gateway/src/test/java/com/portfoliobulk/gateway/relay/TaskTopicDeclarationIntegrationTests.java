package com.portfoliobulk.gateway.relay;

import com.portfoliobulk.gateway.support.GatewayIntegrationTest;
import com.portfoliobulk.testsupport.DeclaredTopicChecks;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The gateway declares the task topic with its min.insync.replicas, whatever the broker's default. */
class TaskTopicDeclarationIntegrationTests extends GatewayIntegrationTest {

    @Test
    void theTaskTopicHasItsOwnMinInsyncReplicasAfterStartup() throws Exception {
        DeclaredTopicChecks.assertOwnMinInsyncReplicas(bootstrapServers, List.of(topic));
    }
}
