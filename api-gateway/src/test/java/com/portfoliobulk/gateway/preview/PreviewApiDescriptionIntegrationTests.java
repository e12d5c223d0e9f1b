package com.portfoliobulk.gateway.preview;

import static org.assertj.core.api.Assertions.assertThat;

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
}
