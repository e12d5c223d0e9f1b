package com.portfoliobulk.worker.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.contracts.ProblemTypes;
import com.portfoliobulk.worker.WorkerIntegrationSupport;
import jakarta.servlet.Filter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.web.client.RestClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Errors raised outside Spring MVC, which the servlet container forwards to the error page (an
 * exception thrown by a servlet filter, {@code sendError} from one), answer the worker's problem as
 * every other error does: {@code application/problem+json} with the product's type of the status,
 * an unexpected error naming only an {@code errorId} that the log has with the exception; never
 * Spring Boot's error JSON, its whitelabel page or anything of the exception.
 */
@ExtendWith(OutputCaptureExtension.class)
@Import(ErrorPageProblemsIntegrationTests.FailingFilter.class)
class ErrorPageProblemsIntegrationTests extends WorkerIntegrationSupport {

    static final String SECRET = "SELECT token FROM directory.secrets";

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @LocalServerPort
    int port;

    private RestClient http;

    @BeforeEach
    void client() {
        http = RestClient.builder().baseUrl("http://localhost:" + port).build();
    }

    @Test
    void anExceptionThrownByAFilterIsA500ProblemNamingOnlyAnErrorIdTheLogHasWithTheException(CapturedOutput log) {
        Answer answer = get("/failing/throw", MediaType.APPLICATION_JSON);

        answer.assertProblem(500, ProblemTypes.INTERNAL_ERROR);
        String errorId = answer.body.path("errorId").asString();
        assertThat(errorId).isNotBlank();
        assertThat(answer.body.path("title").asString()).isEqualTo("Internal error");
        assertThat(answer.body.path("detail").asString()).contains("error id " + errorId);
        assertThat(answer.body.path("instance").asString()).isEqualTo("/failing/throw");
        assertThat(log.getOut() + log.getErr())
                .contains("Unexpected error " + errorId + " while handling a request", SECRET);
    }

    @Test
    void aBrowsersRequestGetsTheProblemTooNotAnHtmlPage() {
        Answer answer = get("/failing/throw", MediaType.TEXT_HTML);

        answer.assertProblem(500, ProblemTypes.INTERNAL_ERROR);
        assertThat(answer.raw).doesNotContain("<html", "Whitelabel");
    }

    @Test
    void anErrorSentByAFilterIsTheProblemOfItsStatusWithoutTheMessageItWasSentWith() {
        Answer tooLarge = get("/failing/send-error-413", MediaType.APPLICATION_JSON);
        Answer notFound = get("/failing/send-error-404", MediaType.APPLICATION_JSON);

        tooLarge.assertProblem(413, ProblemTypes.TOO_LARGE);
        assertThat(tooLarge.body.path("title").asString()).isEqualTo("Content Too Large");
        assertThat(tooLarge.body.path("detail").asString())
                .isEqualTo("The request cannot be answered: 413 Content Too Large.");
        assertThat(tooLarge.body.path("instance").asString()).isEqualTo("/failing/send-error-413");
        notFound.assertProblem(404, ProblemTypes.NOT_FOUND);
        assertThat(notFound.body.path("title").asString()).isEqualTo("Not found");
    }

    @Test
    void a500SentByAFilterNamesAnErrorIdTheLogHas(CapturedOutput log) {
        Answer answer = get("/failing/send-error-500", MediaType.APPLICATION_JSON);

        answer.assertProblem(500, ProblemTypes.INTERNAL_ERROR);
        String errorId = answer.body.path("errorId").asString();
        assertThat(errorId).isNotBlank();
        assertThat(log.getOut() + log.getErr())
                .contains("Unexpected error " + errorId + " while handling a request", "/failing/send-error-500");
    }

    @Test
    void theErrorPageAskedForItselfIsThe404OfAPathNoEndpointHas() {
        Answer answer = get("/error", MediaType.APPLICATION_JSON);

        answer.assertProblem(404, ProblemTypes.NOT_FOUND);
        assertThat(answer.body.path("title").asString()).isEqualTo("Not found");
        assertThat(answer.body.path("detail").asString()).contains("'/error'", "check the path");
    }

    private Answer get(String path, MediaType accept) {
        return http.get().uri(path).accept(accept).exchange((request, response) -> {
            String raw = new String(response.getBody().readAllBytes(), StandardCharsets.UTF_8);
            return new Answer(response.getStatusCode().value(), response.getHeaders(), raw, JSON.readTree(raw));
        });
    }

    private record Answer(int status, HttpHeaders headers, String raw, JsonNode body) {

        void assertProblem(int expectedStatus, URI type) {
            assertThat(status).as(raw).isEqualTo(expectedStatus);
            assertThat(headers.getContentType()).as(raw).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
            assertThat(body.path("status").asInt()).as(raw).isEqualTo(expectedStatus);
            assertThat(body.path("type").asString()).as(raw).isEqualTo(type.toString());
            assertThat(raw)
                    .doesNotContain(
                            "Exception", "SELECT", "secret", "\"timestamp\"", "\"trace\"", "\"error\"", "at com.");
        }
    }

    /** A filter of the worker that fails before Spring MVC sees the request: it throws, or sends an error. */
    @TestConfiguration(proxyBeanMethods = false)
    static class FailingFilter {

        @Bean
        FilterRegistrationBean<Filter> failingFilter() {
            FilterRegistrationBean<Filter> registration = new FilterRegistrationBean<>((request, response, chain) -> {
                String path = ((HttpServletRequest) request).getRequestURI();
                if (path.equals("/failing/throw")) {
                    throw new IllegalStateException(SECRET);
                }
                if (path.startsWith("/failing/send-error-")) {
                    int status = Integer.parseInt(path.substring("/failing/send-error-".length()));
                    ((HttpServletResponse) response).sendError(status, "secret: " + SECRET);
                    return;
                }
                chain.doFilter(request, response);
            });
            registration.addUrlPatterns("/failing/*");
            return registration;
        }
    }
}
