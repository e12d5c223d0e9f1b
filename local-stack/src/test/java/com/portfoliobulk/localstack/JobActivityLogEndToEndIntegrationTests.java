package com.portfoliobulk.localstack;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.contracts.UserRef;
import com.portfoliobulk.testsupport.TestTokens;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.http.ResponseEntity;
import tools.jackson.databind.JsonNode;

/**
 * The activity log of a real job: submitted through the gateway, applied by the worker, written by
 * the audit-consumer, read through the gateway. One entry per applied change, none for a skipped
 * task, none for a replayed submission.
 */
class JobActivityLogEndToEndIntegrationTests {

    private final ServiceStack stack = TestStack.get();

    @Test
    void roleChangeJobAcrossThreeAccountsWritesOneEntryInEachAndAReplayAddsNothing() {
        TestPortfolio portfolio = TestPortfolio.seed(TestStack.database(), 4);
        UUID adminId = UUID.randomUUID();
        String adminEmail = "admin-" + adminId + "@agency.example";
        String token = TestTokens.token(adminId, adminEmail, portfolio.id(), "OWNER");
        GatewayClient gateway = new GatewayClient(stack.gatewayUrl(), token, portfolio.id());
        GatewayActivityLog activityLog = new GatewayActivityLog(stack.gatewayUrl(), token);
        List<UUID> inJob = portfolio.accounts().subList(0, 3);
        UUID outsideJob = portfolio.account(3);
        UserRef ann = portfolio.addUser("ann", AccountRole.ANALYST, portfolio.accounts());
        UserRef owner = portfolio.owner(inJob.getFirst());
        Map<String, Object> body = Map.of(
                "type",
                "UPDATE_ROLES",
                "assignments",
                List.of(
                        assignment(ann, inJob.get(0)),
                        assignment(ann, inJob.get(1)),
                        assignment(ann, inJob.get(2)),
                        assignment(owner, inJob.get(0))));
        String key = "role-change-" + UUID.randomUUID();

        ResponseEntity<String> submitted = gateway.submit(body, key);
        assertThat(submitted.getStatusCode().value()).as(submitted.getBody()).isEqualTo(202);
        UUID job = UUID.fromString(
                GatewayClient.json(submitted.getBody()).get("jobId").asString());
        JsonNode done = gateway.awaitTerminal(job);

        assertThat(done.get("counts").get("succeeded").asInt()).isEqualTo(3);
        assertThat(done.get("counts").get("skipped").asInt()).isEqualTo(1);
        for (UUID account : inJob) {
            JsonNode entry =
                    activityLog.awaitEntries(portfolio.id(), account, 1).getFirst();
            assertThat(entry.get("summary").asString())
                    .isEqualTo("Role of " + ann.email() + " changed from Analyst to Manager by " + adminEmail
                            + " from the portfolio level");
            assertThat(entry.get("action").asString()).isEqualTo("ROLE_CHANGED");
            assertThat(entry.get("actor").get("userId").asString()).isEqualTo(adminId.toString());
            assertThat(entry.get("actor").get("email").asString()).isEqualTo(adminEmail);
            assertThat(entry.get("targetUser").get("userId").asString())
                    .isEqualTo(ann.userId().toString());
            assertThat(entry.get("initiatedFrom").asString()).isEqualTo("PORTFOLIO");
            assertThat(entry.get("jobId").asString()).isEqualTo(job.toString());
        }
        assertThat(activityLog.entries(portfolio.id(), outsideJob)).isEmpty();

        ResponseEntity<String> replayed = gateway.submit(body, key);

        assertThat(replayed.getStatusCode().value()).isEqualTo(202);
        assertThat(replayed.getHeaders().getFirst("Idempotent-Replayed")).isEqualTo("true");
        assertThat(GatewayClient.json(replayed.getBody()).get("jobId").asString())
                .isEqualTo(job.toString());
        assertThat(gateway.jobs())
                .extracting(item -> item.get("jobId").asString())
                .containsExactly(job.toString());
        assertThat(gateway.job(job).get("counts")).isEqualTo(done.get("counts"));
        for (UUID account : inJob) {
            assertThat(activityLog.entries(portfolio.id(), account)).hasSize(1);
        }
        assertThat(activityLog.entries(portfolio.id(), outsideJob)).isEmpty();
    }

    private static Map<String, Object> assignment(UserRef user, UUID account) {
        return Map.of("userId", user.userId(), "accountId", account, "role", "MANAGER");
    }
}
