package com.portfoliobulk.audit.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.portfoliobulk.audit.ActivityEvents;
import com.portfoliobulk.audit.AuditApplication;
import com.portfoliobulk.contracts.AccountActivityEvent;
import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.contracts.ActivityAction;
import com.portfoliobulk.contracts.Actor;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Every action the worker can publish reaches the account's activity log through the topic, and an
 * event published after them is written too: no action is refused by the database (and dead-lettered,
 * or retried in front of the account's later events).
 */
@SpringBootTest(
        webEnvironment = WebEnvironment.RANDOM_PORT,
        properties = "spring.config.name=" + AuditApplication.CONFIG_NAME)
class EveryActivityActionIntegrationTests {

    @Value("${spring.kafka.bootstrap-servers}")
    String bootstrapServers;

    @Autowired
    JdbcClient jdbc;

    @Test
    void writesAnEntryOfEveryActionInPublicationOrder() {
        UUID portfolio = UUID.randomUUID();
        UUID account = UUID.randomUUID();
        Actor admin = ActivityEvents.newAdmin();
        Instant start = ActivityEvents.now();
        List<AccountActivityEvent> events = new ArrayList<>();
        for (ActivityAction action : ActivityAction.values()) {
            events.add(event(portfolio, account, admin, action, start.plusMillis(events.size())));
        }
        AccountActivityEvent later = ActivityEvents.roleChanged(portfolio, account, admin, start.plusSeconds(1));
        events.add(later);

        try (ActivityEvents topic = new ActivityEvents(bootstrapServers)) {
            topic.publish(events);
        }

        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(jdbc.sql(
                                        "SELECT action FROM audit.activity_log WHERE account_id = ? ORDER BY occurred_at")
                                .param(account)
                                .query(String.class)
                                .list())
                        .containsExactlyElementsOf(events.stream()
                                .map(event -> event.action().name())
                                .toList()));
    }

    private static AccountActivityEvent event(
            UUID portfolio, UUID account, Actor admin, ActivityAction action, Instant occurredAt) {
        if (action.isLinkChange()) {
            return ActivityEvents.linkChange(portfolio, account, admin, action, occurredAt);
        }
        AccountRole previousRole = action == ActivityAction.USER_INVITED ? null : AccountRole.ANALYST;
        AccountRole newRole = switch (action) {
            case ACCESS_REMOVED -> null;
            case ROLE_CHANGED -> AccountRole.MANAGER;
            default -> AccountRole.ANALYST;
        };
        return ActivityEvents.event(
                portfolio,
                account,
                UUID.randomUUID(),
                admin,
                action,
                ActivityEvents.newUser(),
                previousRole,
                newRole,
                occurredAt);
    }
}
