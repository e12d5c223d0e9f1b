package com.portfoliobulk.gateway.preview;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.testsupport.DirectorySeed;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class PreviewApiDescriptionIntegrationTests extends PreviewIntegrationTest {

    @Test
    void describesThePreviewItsParametersBodyAnswersAndPlanSchema() {
        JsonNode description = api.get(null, "/v3/api-docs").body();
        JsonNode operation = description
                .path("paths")
                .path("/api/v1/portfolios/{portfolioId}/bulk-jobs/preview")
                .path("post");

        assertThat(operation.path("summary").asString()).isEqualTo("Preview a bulk job");
        assertThat(operation.path("description").asString()).contains("summary", "nextCursor", "Nothing is written");
        assertThat(operation.path("responses").propertyNames())
                .contains("200", "400", "401", "403", "404", "413", "422");
        assertThat(operation.path("parameters").values())
                .allSatisfy(parameter ->
                        assertThat(parameter.path("description").asString()).isNotBlank())
                .extracting(parameter -> parameter.path("name").asString())
                .containsExactlyInAnyOrder("portfolioId", "limit", "cursor");
        JsonNode limit = operation.path("parameters").values().stream()
                .filter(parameter -> parameter.path("name").asString().equals("limit"))
                .findFirst()
                .orElseThrow();
        assertThat(limit.path("schema").path("minimum").asInt()).isEqualTo(1);
        assertThat(limit.path("schema").path("maximum").asInt()).isEqualTo(500);
        assertThat(limit.path("schema").path("default").asInt()).isEqualTo(50);
        assertThat(operation.path("requestBody").toString()).contains("JobRequest");
        JsonNode item = description.path("components").path("schemas").path("PreviewItem");
        assertThat(item.path("properties").propertyNames())
                .contains(
                        "accountId",
                        "userId",
                        "email",
                        "action",
                        "currentRole",
                        "currentState",
                        "newRole",
                        "outcome",
                        "reason");
        assertThat(item.path("properties").path("outcome").path("enum").values())
                .extracting(JsonNode::asString)
                .containsExactly("CHANGE", "SKIP");
    }

    /**
     * A plan item has every field in every answer, null where there is no value (README, "API
     * conventions"), and the description marks each of them required, so that a client generated from
     * it does not have them as optional. Before, it marked 4 of the 9 (not userId, currentRole,
     * currentState, newRole and reason, though they were in every item).
     */
    @Test
    void everyFieldOfAPlanItemIsRequiredAsEveryItemHasIt() {
        DirectorySeed.Portfolio portfolio = directory.portfolio();
        UUID account = portfolio.account("Brand Berlin");

        JsonNode item = plan(portfolio.id(), """
                        {"type":"INVITE_USERS","emails":["%s"],"accounts":[{"accountId":"%s","role":"ANALYST"}]}
                        """.formatted(portfolio.email("newcomer"), account))
                .path("items")
                .get(0);
        JsonNode schema = api.get(null, "/v3/api-docs")
                .body()
                .path("components")
                .path("schemas")
                .path("PreviewItem");

        assertThat(item.path("userId").isNull()).isTrue();
        assertThat(item.path("reason").isNull()).isTrue();
        assertThat(item.propertyNames())
                .containsExactlyInAnyOrderElementsOf(schema.path("properties").propertyNames());
        assertThat(schema.path("required").values())
                .extracting(JsonNode::asString)
                .containsExactlyInAnyOrderElementsOf(item.propertyNames());
    }
}
