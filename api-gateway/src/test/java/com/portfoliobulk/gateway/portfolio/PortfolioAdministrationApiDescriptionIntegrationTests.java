package com.portfoliobulk.gateway.portfolio;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.gateway.support.GatewayCalls.Answer;
import com.portfoliobulk.gateway.webhooks.EventType;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** The API description lists every portfolio administration operation with its refusals. */
class PortfolioAdministrationApiDescriptionIntegrationTests extends PortfolioAdministrationTest {

    private static final String PORTFOLIO = "/api/v1/portfolios/{portfolioId}";

    private static final JsonMapper JSON = JsonMapper.builder().build();

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

    /**
     * Every request body's schema marks as required exactly the fields the gateway refuses the request
     * without, so that a model generated from the description has them as required: each body sent
     * without one of them is refused naming it. Before, the portfolio administration bodies and the
     * webhook subscription marked none, and a generated client had every field optional. The job
     * requests are checked by {@code BulkJobsApiDescriptionIntegrationTests} and the job tests.
     */
    @Test
    void everyRequestBodyMarksRequiredTheFieldsTheGatewayRefusesItWithout() {
        accountUser("member");
        UUID viewer = portfolio.user("viewer");
        storePortfolioUser(viewer, portfolio.email("viewer"), "USER_MANAGEMENT_VIEW");
        // Per operation, the fields a request must have, with values the gateway takes.
        Map<String, String> bodies = Map.of(
                "post /portfolio-users",
                "{\"email\":\"" + portfolio.email("member") + "\",\"role\":\"USER_MANAGEMENT_VIEW\"}",
                "put /portfolio-users/{userId}/role",
                "{\"role\":\"USER_MANAGEMENT_EDIT\"}",
                "post /portfolio-roles",
                "{\"code\":\"REGIONAL_LEAD\",\"name\":\"Regional lead\",\"permissions\":[\"USER_MANAGEMENT_VIEW\"]}",
                "post /account-roles",
                "{\"code\":\"REGIONAL_LEAD\",\"name\":\"Regional lead\",\"permissions\":[\"VIEW_ACCOUNT\"]}",
                "post /owner-transfer",
                "{\"userId\":\"" + viewer + "\"}",
                "post /linked-accounts",
                "{\"accountId\":\"" + UUID.randomUUID() + "\"}",
                "post /close",
                "{\"confirmation\":\"token\"}",
                "post /scim-tokens",
                "{\"name\":\"Entra ID\"}",
                "post /webhooks",
                "{\"url\":\"https://203.0.113.7/hooks\",\"eventTypes\":[\"job.completed\"]}");
        JsonNode description = api.get(null, "/v3/api-docs").body();
        Map<String, JsonNode> requestSchemas = new TreeMap<>();
        JsonNode paths = description.path("paths");
        for (String path : paths.propertyNames()) {
            for (String method : paths.path(path).propertyNames()) {
                JsonNode content =
                        paths.path(path).path(method).path("requestBody").path("content");
                String operation = method + " " + path.replace(PORTFOLIO, "");
                if (!content.isMissingNode() && !operation.startsWith("post /bulk-jobs")) {
                    String ref = content.path("application/json")
                            .path("schema")
                            .path("$ref")
                            .asString();
                    requestSchemas.put(
                            operation,
                            description
                                    .path("components")
                                    .path("schemas")
                                    .path(ref.substring(ref.lastIndexOf('/') + 1)));
                }
            }
        }

        assertThat(requestSchemas.keySet()).containsExactlyInAnyOrderElementsOf(bodies.keySet());
        requestSchemas.forEach((operation, schema) -> {
            ObjectNode body = (ObjectNode) JSON.readTree(bodies.get(operation));
            assertThat(schema.path("required").values())
                    .extracting(JsonNode::asString)
                    .as(operation)
                    .containsExactlyInAnyOrderElementsOf(body.propertyNames());
            String method = operation.substring(0, operation.indexOf(' '));
            String path = path(operation.substring(operation.indexOf(' ') + 1).replace("{userId}", viewer.toString()));
            for (String field : body.propertyNames()) {
                ObjectNode without = body.deepCopy();
                without.remove(field);

                Answer refused =
                        call(HttpMethod.valueOf(method.toUpperCase(Locale.ROOT)), owner, path, without.toString());

                assertThat(refused.status()).as(operation + " without " + field).isIn(400, 422);
                assertThat(refused.body().path("errors").values())
                        .extracting(error -> error.path("field").asString())
                        .as(operation + " without " + field + ": " + refused.text())
                        .contains(field);
            }
        });
        JsonNode eventTypes =
                requestSchemas.get("post /webhooks").path("properties").path("eventTypes");
        assertThat(eventTypes.path("items").path("enum").values())
                .extracting(JsonNode::asString)
                .containsExactlyElementsOf(EventType.WIRE_NAMES);
        assertThat(eventTypes.path("minItems").asInt()).isEqualTo(1);
        assertThat(eventTypes.path("uniqueItems").asBoolean()).isTrue();
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
