package com.portfoliobulk.gateway.portfolio;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.gateway.support.GatewayCalls.Answer;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import tools.jackson.databind.JsonNode;

/** The API description lists every portfolio administration operation with its refusals. */
class PortfolioAdministrationApiDescriptionIntegrationTests extends PortfolioAdministrationTest {

    private static final String PORTFOLIO = "/api/v1/portfolios/{portfolioId}";

    @Test
    void describesEveryAdministrationOperation() {
        JsonNode paths = api.get(null, "/v3/api-docs").body().path("paths");
        Map<String, String[]> operations = Map.ofEntries(
                Map.entry("/portfolio-users", new String[] {"get", "post"}),
                Map.entry("/portfolio-users/{userId}/role", new String[] {"put"}),
                Map.entry("/portfolio-users/{userId}", new String[] {"delete"}),
                Map.entry("/portfolio-roles", new String[] {"get", "post"}),
                Map.entry("/portfolio-roles/{code}", new String[] {"delete"}),
                Map.entry("/account-roles", new String[] {"get", "post"}),
                Map.entry("/account-roles/{code}", new String[] {"delete"}),
                Map.entry("/owner-transfer", new String[] {"get", "post", "delete"}),
                Map.entry("/owner-transfer/accept", new String[] {"post"}),
                Map.entry("/linked-accounts", new String[] {"post"}),
                Map.entry("/linked-accounts/{accountId}", new String[] {"delete"}),
                Map.entry("/closure", new String[] {"post"}),
                Map.entry("/close", new String[] {"post"}),
                Map.entry("/admin-log", new String[] {"get"}));

        operations.forEach((path, methods) -> {
            for (String method : methods) {
                JsonNode operation = paths.path(PORTFOLIO + path).path(method);
                assertThat(operation.path("summary").asString())
                        .as(method + " " + path)
                        .isNotBlank();
                assertThat(operation.path("tags").values())
                        .extracting(JsonNode::asString)
                        .as(method + " " + path)
                        .contains("Portfolio administration");
                assertThat(operation.path("responses").propertyNames())
                        .as(method + " " + path)
                        .contains("403");
            }
        });
        assertThat(paths.path(PORTFOLIO + "/account-roles/{code}")
                        .path("delete")
                        .path("responses")
                        .path("409")
                        .path("description")
                        .asString())
                .contains("how many");
    }

    @Test
    void aRoleChangeWhoseBodyIsRefusedUnreadIsAnsweredAsDescribed() {
        UUID userId = portfolio.user("editor");
        storePortfolioUser(userId, portfolio.email("editor"), "USER_MANAGEMENT_EDIT");

        // The conformance-checked client fails the call if the description has no 415 for the PUT.
        Answer compressed = call(
                HttpMethod.PUT,
                owner,
                path("/portfolio-users/" + userId + "/role"),
                "{\"role\":\"USER_MANAGEMENT_VIEW\"}",
                Map.of(HttpHeaders.CONTENT_ENCODING, "gzip"));

        assertProblem(compressed, 415);
        assertThat(roleOf(userId)).isEqualTo("USER_MANAGEMENT_EDIT");
        JsonNode put = api.get(null, "/v3/api-docs")
                .body()
                .path("paths")
                .path(PORTFOLIO + "/portfolio-users/{userId}/role")
                .path("put")
                .path("responses");
        assertThat(put.propertyNames()).contains("413", "415");
    }
}
