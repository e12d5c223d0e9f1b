package com.portfoliobulk.gateway.directory;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.contracts.AccountRole;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class DirectoryApiDescriptionIntegrationTests extends DirectoryIntegrationTestSupport {

    private static final String PORTFOLIO = "/api/v1/portfolios/{portfolioId}";

    @Test
    void describesEveryDirectoryOperationAndParameter() {
        JsonNode paths = api.get(null, "/v3/api-docs").body().path("paths");

        for (String path : List.of(PORTFOLIO + "/accounts", PORTFOLIO + "/users", PORTFOLIO + "/users/{userId}")) {
            JsonNode operation = paths.path(path).path("get");
            assertThat(operation.path("summary").asString()).as(path).isNotBlank();
            assertThat(operation.path("responses").propertyNames())
                    .as(path)
                    .contains("200", "400", "401", "403", "404");
            assertThat(operation.path("parameters").values())
                    .as(path)
                    .allSatisfy(parameter ->
                            assertThat(parameter.path("description").asString()).isNotBlank());
            JsonNode limit = parameter(operation, "limit");
            assertThat(limit.path("schema").path("type").asString()).isEqualTo("integer");
            assertThat(limit.path("schema").path("minimum").asInt()).isEqualTo(1);
            assertThat(limit.path("schema").path("maximum").asInt()).isEqualTo(500);
        }
    }

    @Test
    void saysHowTheEmailFilterMatchesAndWhichRolesThereAre() {
        JsonNode users = api.get(null, "/v3/api-docs")
                .body()
                .path("paths")
                .path(PORTFOLIO + "/users")
                .path("get");

        assertThat(parameter(users, "q").path("description").asString()).contains("substring");
        // The standard roles, and the portfolio's custom account roles, which no fixed enum can list.
        JsonNode role = parameter(users, "role");
        assertThat(role.path("schema").path("enum").isMissingNode()).isTrue();
        assertThat(role.path("description").asString())
                .contains(AccountRole.standardRoles().stream()
                        .map(AccountRole::code)
                        .toList())
                .contains("custom account role");
    }

    @Test
    void saysTheUsersListCarriesSomeMembershipsOfEachUserAndHowManyThereAre() {
        JsonNode user = api.get(null, "/v3/api-docs")
                .body()
                .path("components")
                .path("schemas")
                .path("PortfolioUser")
                .path("properties");

        assertThat(user.path("membershipCount").path("type").asString()).isEqualTo("integer");
        assertThat(user.path("memberships").path("description").asString())
                .contains("Up to 20")
                .contains("membershipCount")
                .contains("/users/{userId}");
    }

    private static JsonNode parameter(JsonNode operation, String name) {
        return operation.path("parameters").values().stream()
                .filter(parameter -> parameter.path("name").asString().equals(name))
                .findFirst()
                .orElseThrow(() -> new AssertionError("No parameter " + name));
    }
}
