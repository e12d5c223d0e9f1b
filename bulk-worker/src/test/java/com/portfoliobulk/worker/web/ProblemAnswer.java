package com.portfoliobulk.worker.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.web.client.RestClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * An answer of the worker's HTTP API as a client reads it, and what every problem answer must be:
 * {@code application/problem+json} of the product's type, titled, with nothing of an exception, a
 * query or Spring Boot's error JSON in it.
 */
record ProblemAnswer(int status, HttpHeaders headers, String raw, JsonNode body) {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** Sends the request and reads its answer, whatever its status. */
    static ProblemAnswer of(RestClient.RequestHeadersSpec<?> request) {
        return request.exchange((req, response) -> {
            String raw = new String(response.getBody().readAllBytes(), StandardCharsets.UTF_8);
            return new ProblemAnswer(response.getStatusCode().value(), response.getHeaders(), raw, JSON.readTree(raw));
        });
    }

    void assertProblem(int expectedStatus, URI type) {
        assertThat(status).as(raw).isEqualTo(expectedStatus);
        assertThat(headers.getContentType()).as(raw).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
        assertThat(body.path("status").asInt()).as(raw).isEqualTo(expectedStatus);
        assertThat(body.path("type").asString()).as(raw).isEqualTo(type.toString());
        assertThat(body.path("title").asString()).as(raw).isNotBlank();
        assertThat(raw)
                .doesNotContain("Exception", "SELECT", "secret", "\"timestamp\"", "\"trace\"", "\"error\"", "at com.");
    }

    String detail() {
        return body.path("detail").asString();
    }

    String field(int index) {
        return body.path("errors").path(index).path("field").asString();
    }
}
