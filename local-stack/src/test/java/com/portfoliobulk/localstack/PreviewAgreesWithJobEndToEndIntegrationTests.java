package com.portfoliobulk.localstack;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.contracts.UserRef;
import com.portfoliobulk.testsupport.TestTokens;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * What the preview promises is what the job does, when nothing changes in between: each previewed
 * CHANGE is a SUCCEEDED task, each SKIP a SKIPPED task with the same reason.
 */
class PreviewAgreesWithJobEndToEndIntegrationTests {

    private final ServiceStack stack = TestStack.get();

    @Test
    void offboardingAndRoleChangeOverMixedSituationsDoWhatTheirPreviewsSaid() {
        TestPortfolio portfolio = TestPortfolio.seed(TestStack.database(), 3);
        UUID admin = UUID.randomUUID();
        GatewayClient gateway = new GatewayClient(
                stack.gatewayUrl(),
                TestTokens.token(admin, "admin-" + admin + "@agency.example", portfolio.id(), "OWNER"),
                portfolio.id());
        UUID a0 = portfolio.account(0);
        UUID a1 = portfolio.account(1);
        UUID a2 = portfolio.account(2);
        UserRef leaver = portfolio.owner(a0);
        portfolio.grant(leaver, AccountRole.MANAGER, a1);
        portfolio.grant(leaver, AccountRole.ANALYST, a2);
        UserRef sso = portfolio.addIdpManagedUser("sso", AccountRole.ANALYST, List.of(a1, a2));
        UserRef ann = portfolio.addUser("ann", AccountRole.ANALYST, List.of(a0));
        portfolio.grant(ann, AccountRole.MANAGER, a1);
        UserRef ownerA2 = portfolio.owner(a2);

        Map<String, Object> offboarding =
                Map.of("type", "OFFBOARD_USERS", "userIds", List.of(leaver.userId(), sso.userId()));
        Map<String, Object> roleChange = Map.of(
                "type",
                "UPDATE_ROLES",
                "userIds",
                List.of(ann.userId(), sso.userId(), ownerA2.userId()),
                "accountIds",
                List.of(a0, a1, a2),
                "role",
                "ANALYST");

        Map<String, String> offboardingPlan = plan(gateway.preview(offboarding));
        UUID offboardingJob = gateway.submit(offboarding);
        gateway.awaitTerminal(offboardingJob);
        Map<String, String> roleChangePlan = plan(gateway.preview(roleChange));
        UUID roleChangeJob = gateway.submit(roleChange);
        gateway.awaitTerminal(roleChangeJob);

        assertThat(GatewayClient.outcomes(gateway.tasks(offboardingJob))).isEqualTo(offboardingPlan);
        assertThat(offboardingPlan)
                .containsEntry(a0 + " " + leaver.email(), "SKIPPED OWNER_PROTECTED")
                .containsEntry(a1 + " " + leaver.email(), "SUCCEEDED")
                .containsEntry(a1 + " " + sso.email(), "SKIPPED IDP_MANAGED")
                .hasSize(5);
        assertThat(GatewayClient.outcomes(gateway.tasks(roleChangeJob))).isEqualTo(roleChangePlan);
        assertThat(roleChangePlan)
                .containsEntry(a0 + " " + ann.email(), "SKIPPED NO_CHANGE")
                .containsEntry(a1 + " " + ann.email(), "SUCCEEDED")
                .containsEntry(a2 + " " + ann.email(), "SKIPPED NOT_A_MEMBER")
                .containsEntry(a2 + " " + ownerA2.email(), "SKIPPED OWNER_PROTECTED")
                .containsValue("SKIPPED IDP_MANAGED");
    }

    /** The preview's items as the task outcomes they promise: CHANGE = SUCCEEDED, SKIP = SKIPPED + reason. */
    private static Map<String, String> plan(List<JsonNode> items) {
        Map<String, String> plan = new LinkedHashMap<>();
        for (JsonNode item : items) {
            String outcome = item.get("outcome").asString();
            assertThat(outcome).isIn("CHANGE", "SKIP");
            plan.put(
                    item.get("accountId").asString() + " " + item.get("email").asString(),
                    outcome.equals("CHANGE")
                            ? "SUCCEEDED"
                            : "SKIPPED " + item.get("reason").asString());
        }
        return plan;
    }
}
