package com.portfoliobulk.gateway.portfolio;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
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
}
