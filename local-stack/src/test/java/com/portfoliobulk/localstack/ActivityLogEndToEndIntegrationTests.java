package com.portfoliobulk.localstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.portfoliobulk.contracts.AccountActivityEvent;
import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.contracts.ActivityAction;
import com.portfoliobulk.contracts.Actor;
import com.portfoliobulk.contracts.InitiationLevel;
import com.portfoliobulk.contracts.UserRef;
import com.portfoliobulk.testsupport.SharedInfrastructure;
import com.portfoliobulk.testsupport.TestTokens;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import tools.jackson.databind.JsonNode;

/**
 * The activity log end to end: activity events as the bulk-worker publishes them, written by the
 * audit-consumer, read by a client through the gateway's public route.
 */
class ActivityLogEndToEndIntegrationTests {

    private final ServiceStack stack = TestStack.get();

    private final Actor admin = newAdmin();

    private TestPortfolio portfolio;

    private GatewayActivityLog activityLog;

    private ActivityEventPublisher worker;

    @BeforeEach
    void arrange() {
        portfolio = TestPortfolio.seed(TestStack.database(), 4);
        activityLog = new GatewayActivityLog(
                stack.gatewayUrl(), TestTokens.token(admin.userId(), admin.email(), portfolio.id(), "OWNER"));
        worker = new ActivityEventPublisher(SharedInfrastructure.kafkaBootstrapServers());
    }

    @AfterEach
    void close() {
        worker.close();
    }

    @Test
    void roleChangeAcrossThreeAccountsIsLoggedOnceInEachAndReplayAddsNothing() {
        List<UUID> inJob = portfolio.accounts().subList(0, 3);
        UUID outsideJob = portfolio.account(3);
        UserRef ann = portfolio.addUser("ann", AccountRole.ANALYST, portfolio.accounts());
        UUID job = UUID.randomUUID();
        Instant appliedAt = Instant.now().truncatedTo(ChronoUnit.MICROS);
        List<AccountActivityEvent> applied = inJob.stream()
                .map(account -> event(
                        job,
                        account,
                        ActivityAction.ROLE_CHANGED,
                        ann,
                        AccountRole.ANALYST,
                        AccountRole.MANAGER,
                        appliedAt))
                .toList();

        worker.publish(applied);

        for (AccountActivityEvent change : applied) {
            List<JsonNode> entries = activityLog.awaitEntries(portfolio.id(), change.accountId(), 1);
            JsonNode entry = entries.getFirst();
            assertThat(entry.get("summary").asString())
                    .isEqualTo("Role of " + ann.email() + " changed from Analyst to Manager by " + admin.email()
                            + " from the portfolio level");
            assertThat(entry.get("actor").get("userId").asString())
                    .isEqualTo(admin.userId().toString());
            assertThat(entry.get("actor").get("email").asString()).isEqualTo(admin.email());
            assertThat(entry.get("initiatedFrom").asString()).isEqualTo("PORTFOLIO");
            assertThat(entry.get("jobId").asString()).isEqualTo(job.toString());
            assertThat(entry.get("taskId").asString()).isEqualTo(change.taskId().toString());
            assertThat(entry.get("targetUser").get("userId").asString())
                    .isEqualTo(ann.userId().toString());
        }
        assertThat(activityLog.entries(portfolio.id(), outsideJob)).isEmpty();

        double duplicatesBefore = duplicatesIgnored();
        worker.publish(applied);

        await().atMost(GatewayActivityLog.WRITTEN_WITHIN)
                .until(() -> duplicatesIgnored() - duplicatesBefore >= applied.size());
        for (UUID account : inJob) {
            assertThat(activityLog.entries(portfolio.id(), account)).hasSize(1);
        }
        assertThat(activityLog.entries(portfolio.id(), outsideJob)).isEmpty();
    }

    @Test
    void pagesAndSinceFilterPassThroughTheGateway() {
        UUID account = portfolio.account(0);
        UserRef ann = portfolio.addUser("ann", AccountRole.SUPPORT, List.of());
        UUID job = UUID.randomUUID();
        Instant start = Instant.now().truncatedTo(ChronoUnit.MICROS);
        AccountActivityEvent invited =
                event(job, account, ActivityAction.USER_INVITED, ann, null, AccountRole.ANALYST, start);
        AccountActivityEvent changed = event(
                job,
                account,
                ActivityAction.ROLE_CHANGED,
                ann,
                AccountRole.ANALYST,
                AccountRole.MANAGER,
                start.plusSeconds(60));
        AccountActivityEvent removed = event(
                job, account, ActivityAction.ACCESS_REMOVED, ann, AccountRole.MANAGER, null, start.plusSeconds(120));

        worker.publish(List.of(invited, changed, removed));
        activityLog.awaitEntries(portfolio.id(), account, 3);

        JsonNode first = activityLog.page(portfolio.id(), account, "limit=2");
        JsonNode rest = activityLog.page(
                portfolio.id(),
                account,
                "limit=2&cursor=" + first.get("nextCursor").asString());
        // The same instant written with a +02:00 offset: its "+" must reach the audit-consumer intact.
        String sinceWithOffset =
                start.plusSeconds(60).atOffset(ZoneOffset.ofHours(2)).toString().replace("+", "%2B");
        JsonNode since = activityLog.page(portfolio.id(), account, "since=" + sinceWithOffset);

        assertThat(GatewayActivityLog.items(first))
                .extracting(item -> item.get("action").asString())
                .containsExactly("ACCESS_REMOVED", "ROLE_CHANGED");
        assertThat(GatewayActivityLog.items(rest))
                .extracting(item -> item.get("summary").asString())
                .containsExactly(
                        ann.email() + " was invited as Analyst by " + admin.email() + " from the portfolio level");
        assertThat(rest.has("nextCursor")).isTrue();
        assertThat(rest.get("nextCursor").isNull()).isTrue();
        assertThat(GatewayActivityLog.items(since))
                .extracting(item -> item.get("taskId").asString())
                .containsExactly(removed.taskId().toString(), changed.taskId().toString());
    }

    @Test
    void invalidParametersAreAnsweredWithAProblemNamingThem() {
        ResponseEntity<String> since = activityLog.get(portfolio.id(), portfolio.account(0), "since=today");
        ResponseEntity<String> limit = activityLog.get(portfolio.id(), portfolio.account(0), "limit=0&since=today");

        for (ResponseEntity<String> answer : List.of(since, limit)) {
            assertThat(answer.getStatusCode().value()).isEqualTo(400);
            assertThat(answer.getHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
        }
        assertThat(GatewayActivityLog.json(since.getBody()).get("errors").findValuesAsString("field"))
                .containsExactly("since");
        // Checked by the gateway, paging like on every list, before the audit-consumer is asked; one
        // answer names every parameter that cannot be used.
        assertThat(GatewayActivityLog.json(limit.getBody()).get("errors").findValuesAsString("field"))
                .containsExactly("since", "limit");
    }

    private AccountActivityEvent event(
            UUID job,
            UUID account,
            ActivityAction action,
            UserRef target,
            AccountRole previousRole,
            AccountRole newRole,
            Instant occurredAt) {
        UUID taskId = UUID.randomUUID();
        return new AccountActivityEvent(
                AccountActivityEvent.VERSION,
                taskId,
                occurredAt,
                account,
                portfolio.id(),
                job,
                taskId,
                action,
                target,
                previousRole,
                newRole,
                InitiationLevel.PORTFOLIO,
                admin,
                null,
                null);
    }

    private double duplicatesIgnored() {
        return stack.audit()
                .getBean(MeterRegistry.class)
                .get("bulk.audit.duplicates.ignored")
                .counter()
                .count();
    }

    private static Actor newAdmin() {
        UUID id = UUID.randomUUID();
        return new Actor(id, "admin-" + id + "@agency.example");
    }
}
