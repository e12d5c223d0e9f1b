package com.portfoliobulk.gateway.portfolio;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.gateway.support.GatewayCalls.Answer;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpMethod;

/**
 * A portfolio user whose role was lowered through another gateway (written straight to the database
 * here, as that gateway's change does) is still held with their former permissions in this gateway's
 * cache for a few seconds. Reading with them then is accepted; what would outlast those seconds is
 * checked against the role as it stands: a webhook (its URL receives the portfolio's job events, its
 * secret signs them), a new SCIM token, and the revocation of one (the identity provider's
 * provisioning stops).
 */
class LoweredPermissionsIntegrationTests extends PortfolioAdministrationTest {

    @Test
    void anEditorLoweredMomentsAgoCanNoLongerCreateOrChangeWebhooks() {
        UUID editorId = portfolio.user("editor");
        storePortfolioUser(editorId, portfolio.email("editor"), "USER_MANAGEMENT_EDIT");
        String editor = tokenOf(editorId, portfolio.email("editor"));
        assertThat200(call(HttpMethod.GET, editor, path("/webhooks"), null));

        lower(editorId, "USER_MANAGEMENT_VIEW");

        assertProblem(
                call(
                        HttpMethod.POST,
                        editor,
                        path("/webhooks"),
                        "{\"url\":\"https://receiver.example/hooks\",\"eventTypes\":[\"job.completed\"]}"),
                403);
        UUID subscription = UUID.randomUUID();
        assertProblem(call(HttpMethod.POST, editor, path("/webhooks/" + subscription + "/rotate-secret"), null), 403);
        assertProblem(call(HttpMethod.POST, editor, path("/webhooks/" + subscription + "/enable"), null), 403);
        assertProblem(call(HttpMethod.DELETE, editor, path("/webhooks/" + subscription), null), 403);
    }

    @Test
    void anOwnerWhoHandedOwnershipOnMomentsAgoCanNoLongerCreateScimTokens() {
        assertThat200(call(HttpMethod.GET, owner, path("/scim-tokens"), null));

        lower(ownerId, "ADMIN");

        assertProblem(call(HttpMethod.POST, owner, path("/scim-tokens"), "{\"name\":\"Entra ID\"}"), 403);
        assertThat(jdbc.sql("SELECT count(*) FROM jobs.scim_tokens WHERE portfolio_id = ?")
                        .param(portfolio.id())
                        .query(Long.class)
                        .single())
                .isZero();
    }

    @Test
    void anOwnerWhoHandedOwnershipOnMomentsAgoCanNoLongerRevokeScimTokens() {
        Answer created = call(HttpMethod.POST, owner, path("/scim-tokens"), "{\"name\":\"Entra ID\"}");
        assertThat(created.status()).as(created.text()).isEqualTo(201);
        String tokenId = created.body().path("tokenId").asString();
        String scimToken = created.body().path("token").asString();
        assertThat200(call(HttpMethod.GET, owner, path("/scim-tokens"), null));

        lower(ownerId, "ADMIN");

        assertProblem(call(HttpMethod.DELETE, owner, path("/scim-tokens/" + tokenId), null), 403);
        assertThat200(call(HttpMethod.GET, scimToken, "/scim/v2/portfolios/" + portfolio.id() + "/Users", null));
        assertThat(jdbc.sql("SELECT revoked_at IS NULL FROM jobs.scim_tokens WHERE id = ?::uuid")
                        .param(tokenId)
                        .query(Boolean.class)
                        .single())
                .isTrue();
    }

    private void lower(UUID userId, String role) {
        jdbc.sql("UPDATE jobs.portfolio_users SET role = ? WHERE portfolio_id = ? AND user_id = ?")
                .params(role, portfolio.id(), userId)
                .update();
    }

    private static void assertThat200(Answer answer) {
        assertThat(answer.status()).as(answer.text()).isEqualTo(200);
    }
}
