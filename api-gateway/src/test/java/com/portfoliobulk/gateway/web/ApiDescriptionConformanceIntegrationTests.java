package com.portfoliobulk.gateway.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.portfoliobulk.gateway.support.ApiDescriptionConformance;
import com.portfoliobulk.gateway.support.GatewayCalls.Answer;
import com.portfoliobulk.gateway.support.GatewayIntegrationTest;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import tools.jackson.databind.JsonNode;

/**
 * The check every HTTP test's answers go through: answers that drift from the served description
 * fail it, so the description stays exact.
 */
class ApiDescriptionConformanceIntegrationTests extends GatewayIntegrationTest {

    private final ApiDescriptionConformance conformance = ApiDescriptionConformance.INSTANCE;

    @Test
    void anAnswerAsDescribedPasses() {
        assertThatCode(() -> check("/tasks", HttpStatus.OK, "application/json", "{\"items\":[],\"nextCursor\":null}"))
                .doesNotThrowAnyException();
        assertThatCode(() -> check("/tasks", HttpStatus.OK, "text/csv", "taskId\r\n"))
                .doesNotThrowAnyException();
        assertThatCode(() -> check("", HttpStatus.NOT_MODIFIED, null, "")).doesNotThrowAnyException();
        assertThatCode(() -> check(
                        "",
                        HttpStatus.NOT_FOUND,
                        "application/problem+json",
                        "{\"type\":\"urn:portfolio-bulk:problem:not-found\",\"title\":\"Not found\",\"status\":404,"
                                + "\"detail\":\"x\",\"instance\":\"/api/v1/x\"}"))
                .doesNotThrowAnyException();
    }

    @Test
    void aPageWithoutItsNextCursorFails() {
        assertThatThrownBy(() -> check("/tasks", HttpStatus.OK, "application/json", "{\"items\":[]}"))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("nextCursor");
    }

    @Test
    void aValueOfTheWrongTypeFails() {
        assertThatThrownBy(() -> check("", HttpStatus.OK, "application/json", "{\"jobId\":5}"))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("does not allow");
    }

    @Test
    void aStatusOrMediaTypeTheDescriptionDoesNotHaveFails() {
        assertThatThrownBy(() -> check("", HttpStatus.I_AM_A_TEAPOT, "application/json", "{}"))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("418");
        assertThatThrownBy(() -> check("", HttpStatus.OK, "text/html", "<html/>"))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("text/html");
        assertThatThrownBy(() -> check("", HttpStatus.NOT_FOUND, "application/problem+json", "{\"type\":1}"))
                .isInstanceOf(AssertionError.class);
    }

    /**
     * The header fields a client acts on are declared wherever the gateway sends them: Retry-After on
     * every 503 (also of an operation that words its 503 itself), on a submission's 409 "still being
     * created" and on the running job's 304, the rate limit fields on the 429s, the job's ETag on the 202s
     * of submit and cancel. Before, the description declared only Retry-After on the 429s.
     */
    @Test
    void theHeadersTheGatewaySendsAreDeclared() {
        String jobs = "/bulk-jobs";
        String job = jobs + "/" + UUID.randomUUID();
        String activityLog = "/accounts/" + UUID.randomUUID() + "/activity-log";
        Map<String, String> rateLimited = Map.of(
                "Retry-After", "42",
                "RateLimit-Policy", "\"submissions\";q=60;w=60",
                "RateLimit", "\"submissions\";r=0;t=42",
                "RateLimit-Limit", "60",
                "RateLimit-Remaining", "0",
                "RateLimit-Reset", "42");
        Map<String, String> retryAfter = Map.of("Retry-After", "5");
        Map<String, String> etag = Map.of("ETag", "\"3-RUNNING\"");

        assertThatCode(() -> {
                    check("GET", job, HttpStatus.SERVICE_UNAVAILABLE, retryAfter);
                    check("GET", activityLog, HttpStatus.SERVICE_UNAVAILABLE, retryAfter);
                    check("POST", jobs, HttpStatus.SERVICE_UNAVAILABLE, retryAfter);
                    check("POST", jobs, HttpStatus.TOO_MANY_REQUESTS, rateLimited);
                    check("POST", jobs + "/preview", HttpStatus.TOO_MANY_REQUESTS, rateLimited);
                    check("POST", jobs, HttpStatus.CONFLICT, retryAfter);
                    check("POST", jobs, HttpStatus.ACCEPTED, etag);
                    check("POST", job + "/cancel", HttpStatus.ACCEPTED, etag);
                    check("GET", job, HttpStatus.NOT_MODIFIED, Map.of("ETag", "\"3-RUNNING\"", "Retry-After", "1"));
                })
                .doesNotThrowAnyException();
    }

    /**
     * Every answer carries the request's id in X-Request-Id, and a problem names it as requestId: the
     * description declares the header on every answer of every operation and requestId in the Problem
     * schema, so that a generated client reads both (and this check, which passes answers through it,
     * finds the header declared). Before, neither was described.
     */
    @Test
    void theRequestIdOfEveryAnswerAndOfAProblemIsDescribed() {
        UUID portfolioId = directory.portfolio().id();

        Answer missing = api.get(
                admin(portfolioId), jobPath(portfolioId, UUID.randomUUID()), Map.of("X-Request-Id", "support-42"));

        assertProblem(missing, 404);
        assertThat(missing.header("X-Request-Id")).isEqualTo("support-42");
        assertThat(missing.body().path("requestId").asString()).isEqualTo("support-42");
        JsonNode description = api.get(null, "/v3/api-docs").body();
        assertThat(description
                        .path("components")
                        .path("schemas")
                        .path("Problem")
                        .path("properties")
                        .path("requestId")
                        .path("type")
                        .asString())
                .isEqualTo("string");
        JsonNode paths = description.path("paths");
        for (String path : paths.propertyNames()) {
            for (String method : paths.path(path).propertyNames()) {
                JsonNode responses = paths.path(path).path(method).path("responses");
                for (String status : responses.propertyNames()) {
                    assertThat(responses.path(status).path("headers").propertyNames())
                            .as(method + " " + path + " " + status)
                            .contains("X-Request-Id");
                }
            }
        }
    }

    @Test
    void aHeaderTheDescriptionDoesNotDeclareForTheAnswerFails() {
        assertThatThrownBy(() -> check(
                        "GET",
                        "/bulk-jobs/" + UUID.randomUUID(),
                        HttpStatus.OK,
                        Map.of("Location", "/api/v1/elsewhere")))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("Location");
        assertThatThrownBy(() -> check(
                        "GET", "/bulk-jobs/" + UUID.randomUUID(), HttpStatus.NOT_FOUND, Map.of("Retry-After", "5")))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("Retry-After");
    }

    private void check(String suffix, HttpStatus status, String contentType, String body) {
        URI job = URI.create("http://localhost:" + port + "/api/v1/portfolios/" + UUID.randomUUID() + "/bulk-jobs/"
                + UUID.randomUUID() + suffix);
        HttpHeaders headers = new HttpHeaders();
        if (contentType != null) {
            headers.setContentType(MediaType.parseMediaType(contentType));
        }
        conformance.check(job, "GET", status, headers, body.getBytes(StandardCharsets.UTF_8));
    }

    /** An answer without a body to {@code method} of the portfolio's {@code path}, with {@code headers}. */
    private void check(String method, String path, HttpStatus status, Map<String, String> headers) {
        URI uri = URI.create("http://localhost:" + port + "/api/v1/portfolios/" + UUID.randomUUID() + path);
        HttpHeaders answer = new HttpHeaders();
        headers.forEach(answer::set);
        conformance.check(uri, method, status, answer, new byte[0]);
    }
}
