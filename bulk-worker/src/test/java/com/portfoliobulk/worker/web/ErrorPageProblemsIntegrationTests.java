package com.portfoliobulk.worker.web;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.spi.ILoggingEvent;
import com.portfoliobulk.contracts.ProblemTypes;
import com.portfoliobulk.testsupport.LogLines;
import com.portfoliobulk.worker.WorkerIntegrationSupport;
import com.portfoliobulk.worker.fixtures.FailingFilter;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;
import org.springframework.web.client.RestClient;

/**
 * Errors raised outside Spring MVC, which the servlet container forwards to the error page (an
 * exception thrown by a servlet filter, {@code sendError} from one), answer the worker's problem as
 * every other error does: {@code application/problem+json} with the product's type of the status,
 * an unexpected error naming only an {@code errorId} that the log has with the exception; never
 * Spring Boot's error JSON, its whitelabel page or anything of the exception. The failing filter is
 * part of the worker tests' shared context ({@link FailingFilter}).
 */
@ExtendWith(OutputCaptureExtension.class)
class ErrorPageProblemsIntegrationTests extends WorkerIntegrationSupport {

    static final String SECRET = FailingFilter.SECRET;

    @LocalServerPort
    int port;

    private RestClient http;

    @BeforeEach
    void client() {
        http = RestClient.builder().baseUrl("http://localhost:" + port).build();
    }

    @Test
    void anExceptionThrownByAFilterIsA500ProblemNamingOnlyAnErrorIdTheLogHasWithTheException(CapturedOutput log) {
        ProblemAnswer answer = get("/failing/throw", MediaType.APPLICATION_JSON);

        answer.assertProblem(500, ProblemTypes.INTERNAL_ERROR);
        String errorId = answer.body().path("errorId").asString();
        assertThat(errorId).isNotBlank();
        assertThat(answer.body().path("title").asString()).isEqualTo("Internal error");
        assertThat(answer.body().path("detail").asString()).contains("error id " + errorId);
        assertThat(answer.body().path("instance").asString()).isEqualTo("/failing/throw");
        assertThat(log.getOut() + log.getErr())
                .contains("Unexpected error " + errorId + " while handling a request", SECRET);
    }

    /**
     * A call that came with the gateway's request id ({@code X-Request-Id}) is logged under it, on the
     * error page too, which runs after the call's own dispatch has ended: its {@code Unexpected error}
     * line carries {@code requestId}. The worker's lines carried none.
     */
    @Test
    void theErrorPagesLineCarriesTheRequestIdTheCallCameWith() {
        String requestId = "gw-" + UUID.randomUUID();
        ProblemAnswer answer;
        List<ILoggingEvent> lines;
        try (LogLines problems = LogLines.of("com.portfoliobulk.servicesupport.web")) {
            answer = ProblemAnswer.of(http.get()
                    .uri("/failing/throw")
                    .header("X-Request-Id", requestId)
                    .accept(MediaType.APPLICATION_JSON));
            lines = problems.lines();
        }

        answer.assertProblem(500, ProblemTypes.INTERNAL_ERROR);
        assertThat(lines)
                .filteredOn(line -> line.getFormattedMessage().startsWith("Unexpected error"))
                .singleElement()
                .satisfies(line -> assertThat(line.getMDCPropertyMap()).containsEntry("requestId", requestId));
    }

    @Test
    void aBrowsersRequestGetsTheProblemTooNotAnHtmlPage() {
        ProblemAnswer answer = get("/failing/throw", MediaType.TEXT_HTML);

        answer.assertProblem(500, ProblemTypes.INTERNAL_ERROR);
        assertThat(answer.raw()).doesNotContain("<html", "Whitelabel");
    }

    @Test
    void anErrorSentByAFilterIsTheProblemOfItsStatusWithoutTheMessageItWasSentWith() {
        ProblemAnswer tooLarge = get("/failing/send-error-413", MediaType.APPLICATION_JSON);
        ProblemAnswer notFound = get("/failing/send-error-404", MediaType.APPLICATION_JSON);

        tooLarge.assertProblem(413, ProblemTypes.TOO_LARGE);
        assertThat(tooLarge.body().path("title").asString()).isEqualTo("Content Too Large");
        assertThat(tooLarge.body().path("detail").asString())
                .isEqualTo("The request cannot be answered: 413 Content Too Large.");
        assertThat(tooLarge.body().path("instance").asString()).isEqualTo("/failing/send-error-413");
        notFound.assertProblem(404, ProblemTypes.NOT_FOUND);
        assertThat(notFound.body().path("title").asString()).isEqualTo("Not found");
    }

    @Test
    void a500SentByAFilterNamesAnErrorIdTheLogHas(CapturedOutput log) {
        ProblemAnswer answer = get("/failing/send-error-500", MediaType.APPLICATION_JSON);

        answer.assertProblem(500, ProblemTypes.INTERNAL_ERROR);
        String errorId = answer.body().path("errorId").asString();
        assertThat(errorId).isNotBlank();
        assertThat(log.getOut() + log.getErr())
                .contains("Unexpected error " + errorId + " while handling a request", "/failing/send-error-500");
    }

    @Test
    void theErrorPageAskedForItselfIsThe404OfAPathNoEndpointHas() {
        ProblemAnswer answer = get("/error", MediaType.APPLICATION_JSON);

        answer.assertProblem(404, ProblemTypes.NOT_FOUND);
        assertThat(answer.body().path("title").asString()).isEqualTo("Not found");
        assertThat(answer.body().path("detail").asString()).contains("'/error'", "check the path");
    }

    private ProblemAnswer get(String path, MediaType accept) {
        return ProblemAnswer.of(http.get().uri(path).accept(accept));
    }
}
