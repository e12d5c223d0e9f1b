package com.portfoliobulk.gateway.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.contracts.JobType;
import com.portfoliobulk.contracts.ReasonCode;
import com.portfoliobulk.gateway.support.GatewayCalls.Answer;
import com.portfoliobulk.gateway.support.GatewayIntegrationTest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
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

    /**
     * The job's status answers 304 to the ETag sent back in If-None-Match: the operation declares that
     * header as an optional parameter, so that a client generated from the description can send it (and
     * so does any other operation that answers 304). Before, the header was read but not declared, and a
     * generated client had no way to send it.
     */
    /**
     * The submission's description says what an offboarding plans: not only the accounts where the user
     * has access, but those of an expired invitation (skipped) and of a running invitation job's.
     */
    @Test
    void theSubmissionSaysWhichAccountsAnOffboardingPlans() {
        String description = api.get(null, "/v3/api-docs")
                .body()
                .path("paths")
                .path("/api/v1/portfolios/{portfolioId}/bulk-jobs")
                .path("post")
                .path("description")
                .asString();

        assertThat(description)
                .doesNotContain("every linked account where the user has access)")
                .contains("expired", "NOT_A_MEMBER", "running invitation job is still to invite them");
    }

    @Test
    void everyOperationThatAnswers304DeclaresTheIfNoneMatchItReads() {
        JsonNode paths = api.get(null, "/v3/api-docs").body().path("paths");
        List<String> conditional = new ArrayList<>();
        for (String path : paths.propertyNames()) {
            for (String method : paths.path(path).propertyNames()) {
                JsonNode operation = paths.path(path).path(method);
                if (!operation.path("responses").has("304")) {
                    continue;
                }
                conditional.add(method + " " + path);
                assertThat(operation.path("parameters").values())
                        .as(method + " " + path)
                        .anySatisfy(parameter -> {
                            assertThat(parameter.path("name").asString()).isEqualTo("If-None-Match");
                            assertThat(parameter.path("in").asString()).isEqualTo("header");
                            assertThat(parameter.path("required").asBoolean()).isFalse();
                            assertThat(parameter.path("schema").path("type").asString())
                                    .isEqualTo("string");
                            assertThat(parameter.path("description").asString()).contains("ETag", "304");
                        });
            }
        }

        assertThat(conditional).containsExactly("get /api/v1/portfolios/{portfolioId}/bulk-jobs/{jobId}");
    }

    /**
     * A task's reason is described as the reason codes this version knows, although the gateway passes a
     * later version's code through as stored (while versions run side by side) rather than failing.
     */
    @Test
    void aTasksReasonIsDescribedAsEveryReasonCode() {
        JsonNode reason = api.get(null, "/v3/api-docs")
                .body()
                .path("components")
                .path("schemas")
                .path("Task")
                .path("properties")
                .path("reason");

        assertThat(reason.path("type").asString()).isEqualTo("string");
        assertThat(reason.path("enum").values())
                .extracting(JsonNode::asString)
                .containsExactlyInAnyOrder(
                        Arrays.stream(ReasonCode.values()).map(ReasonCode::name).toArray(String[]::new));
    }

    @Test
    void theRequestTypesDiscriminatorMapsEveryJobTypeToASchemaOfItsForms() {
        JsonNode schemas =
                api.get(null, "/v3/api-docs").body().path("components").path("schemas");
        JsonNode jobRequest = schemas.path("JobRequest");
        JsonNode mapping = jobRequest.path("discriminator").path("mapping");

        assertThat(jobRequest.path("discriminator").path("propertyName").asString())
                .isEqualTo("type");
        assertThat(mapping.propertyNames())
                .containsExactlyInAnyOrder(
                        Arrays.stream(JobType.values()).map(JobType::name).toArray(String[]::new));
        List<String> alternatives = jobRequest.path("oneOf").values().stream()
                .map(alternative -> alternative.path("$ref").asString())
                .toList();
        for (JobType type : JobType.values()) {
            String ref = mapping.path(type.name()).asString();
            assertThat(ref).as(type.name()).startsWith("#/components/schemas/");
            assertThat(schemas.has(ref.substring("#/components/schemas/".length())))
                    .as(ref)
                    .isTrue();
            assertThat(alternatives).as(type.name()).contains(ref);
        }
        assertThat(schemas.path(schemaName(mapping, JobType.UPDATE_ROLES))
                        .path("oneOf")
                        .values())
                .extracting(form -> form.path("$ref").asString())
                .containsExactlyInAnyOrder(
                        "#/components/schemas/UpdateRolesByAssignment", "#/components/schemas/UpdateRolesBySelection");
    }

    private static String schemaName(JsonNode mapping, JobType type) {
        return mapping.path(type.name()).asString().substring("#/components/schemas/".length());
    }
}
