package com.portfoliobulk.audit.log;

import static org.awaitility.Awaitility.await;

import com.portfoliobulk.audit.ActivityEvents;
import com.portfoliobulk.audit.AuditApplication;
import com.portfoliobulk.contracts.AccountActivityEvent;
import com.portfoliobulk.testsupport.DeclaredTopicChecks;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * An audit-consumer that starts before the activity topic exists (in Compose it may start before the
 * worker, which declares it) does not create it with the broker's defaults: its listener waits, and
 * records the events once the topic is there. The dead-letter topic it declares itself carries its
 * min.insync.replicas. Its own topic names and consumer group, so that the other tests' listener is
 * not disturbed.
 */
@SpringBootTest(
        properties = {
            "spring.config.name=" + AuditApplication.CONFIG_NAME,
            "bulk.audit.activity-topic=" + MissingActivityTopicIntegrationTests.TOPIC,
            "bulk.audit.dead-letter-topic=" + MissingActivityTopicIntegrationTests.TOPIC + "-dlt",
            "bulk.audit.group-id=audit-consumer-missing-topic"
        })
class MissingActivityTopicIntegrationTests {

    static final String TOPIC = "portfolio.account-activity.declared-later";

    @Autowired
    JdbcTemplate jdbc;

    @Value("${spring.kafka.bootstrap-servers}")
    String bootstrapServers;

    @Test
    void theListenerDoesNotCreateItsTopicAndReadsItOnceItIsDeclared() throws Exception {
        try (Admin admin = DeclaredTopicChecks.admin(bootstrapServers);
                ActivityEvents events = new ActivityEvents(bootstrapServers, TOPIC)) {
            // The listener polls continuously meanwhile; then the topic is made as the worker declares it.
            DeclaredTopicChecks.assertNotCreatedByItsConsumerThenDeclare(admin, TOPIC, Duration.ofSeconds(3));
            UUID portfolio = UUID.randomUUID();
            AccountActivityEvent event = ActivityEvents.roleChanged(
                    portfolio, UUID.randomUUID(), ActivityEvents.newAdmin(), ActivityEvents.now());
            events.publish(List.of(event));

            await().atMost(Duration.ofSeconds(45))
                    .until(() -> jdbc.queryForObject(
                                    "SELECT count(*) FROM audit.activity_log WHERE portfolio_id = ?",
                                    Long.class,
                                    portfolio)
                            == 1);
        }
    }

    @Test
    void theDeadLetterTopicHasItsOwnMinInsyncReplicasAfterStartup() throws Exception {
        DeclaredTopicChecks.assertOwnMinInsyncReplicas(bootstrapServers, List.of(TOPIC + "-dlt"));
    }
}
