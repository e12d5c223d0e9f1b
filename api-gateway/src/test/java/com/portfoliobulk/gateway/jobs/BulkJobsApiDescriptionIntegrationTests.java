package com.portfoliobulk.gateway.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.gateway.support.GatewayCalls.Answer;
import com.portfoliobulk.gateway.support.GatewayIntegrationTest;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** The OpenAPI description shows the bulk job endpoints, their answers and the request types. */
class BulkJobsApiDescriptionIntegrationTests extends GatewayIntegrationTest {

    @Test
    void describesEveryBulkJobEndpointAndRequestType() {
        Answer answer = api.get(null, "/v3/api-docs");

        assertThat(answer.status()).isEqualTo(200);
        JsonNode paths = answer.body().path("paths");
        String jobs = "/api/v1/portfolios/{portfolioId}/bulk-jobs";
        assertThat(paths.path(jobs).path("post").path("responses").propertyNames())
                .contains("202", "400", "404", "409", "413", "422");
        assertThat(paths.path(jobs).path("post").path("parameters").values()).anySatisfy(parameter -> {
            assertThat(parameter.path("name").asString()).isEqualTo("Idempotency-Key");
            assertThat(parameter.path("required").asBoolean()).isTrue();
        });
        assertThat(paths.path(jobs).path("get").path("summary").asString()).isEqualTo("List the portfolio's jobs");
        assertThat(paths.path(jobs + "/{jobId}").path("get").path("responses").propertyNames())
                .contains("200", "304", "404");
        assertThat(paths.path(jobs + "/{jobId}/tasks").has("get")).isTrue();
        assertThat(paths.path(jobs + "/{jobId}/cancel")
                        .path("post")
                        .path("responses")
                        .propertyNames())
                .contains("202", "409");
        assertThat(answer.body().path("components").path("schemas").propertyNames())
                .contains(
                        "InviteUsers",
                        "UpdateRolesByAssignment",
                        "UpdateRolesBySelection",
                        "RemoveAccess",
                        "OffboardUsers",
                        "ResendInvitations",
                        "RevokeInvitations",
                        "Job",
                        "Task");
    }
}
