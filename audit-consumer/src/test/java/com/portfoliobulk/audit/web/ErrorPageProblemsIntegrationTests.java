package com.portfoliobulk.audit.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.audit.AuditApplication;
import com.portfoliobulk.contracts.ProblemTypes;
import jakarta.servlet.Filter;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.http.MediaType;
import org.springframework.web.client.RestClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The audit-consumer answers an error raised outside Spring MVC (here an exception thrown by a
 * servlet filter, which the container forwards to the error page) with its problem as every other
 * error, as the bulk-worker does: a 500 naming only an {@code errorId}, never Spring Boot's error JSON.
 */
@SpringBootTest(
        webEnvironment = WebEnvironment.RANDOM_PORT,
        properties = "spring.config.name=" + AuditApplication.CONFIG_NAME)
@Import(ErrorPageProblemsIntegrationTests.FailingFilter.class)
class ErrorPageProblemsIntegrationTests {

    @LocalServerPort
    int port;

    @Test
    void anExceptionThrownByAFilterIsA500ProblemNamingOnlyAnErrorId() {
        RestClient http = RestClient.create("http://localhost:" + port);

        Answer answer = http.get()
                .uri("/failing")
                .exchange((request, response) -> new Answer(
                        response.getStatusCode().value(),
                        response.getHeaders().getContentType(),
                        new String(response.getBody().readAllBytes(), StandardCharsets.UTF_8)));

        assertThat(answer.status()).as(answer.raw()).isEqualTo(500);
        assertThat(answer.contentType()).as(answer.raw()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
        JsonNode problem = JsonMapper.builder().build().readTree(answer.raw());
        assertThat(problem.path("type").asString()).isEqualTo(ProblemTypes.INTERNAL_ERROR.toString());
        assertThat(problem.path("status").asInt()).isEqualTo(500);
        String errorId = problem.path("errorId").asString();
        assertThat(errorId).isNotBlank();
        assertThat(problem.path("detail").asString()).contains(errorId);
        assertThat(answer.raw()).doesNotContain("Exception", "SELECT", "\"timestamp\"", "\"trace\"");
    }

    private record Answer(int status, MediaType contentType, String raw) {}

    /** A filter of the audit-consumer that throws before Spring MVC sees the request. */
    @TestConfiguration(proxyBeanMethods = false)
    static class FailingFilter {

        @Bean
        FilterRegistrationBean<Filter> failingFilter() {
            FilterRegistrationBean<Filter> registration = new FilterRegistrationBean<>((request, response, chain) -> {
                throw new IllegalStateException("SELECT entry FROM audit.activity_log");
            });
            registration.addUrlPatterns("/failing");
            return registration;
        }
    }
}
