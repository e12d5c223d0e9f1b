package com.portfoliobulk.gateway.web;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.servlet.RequestDispatcher;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.SocketException;
import java.util.List;
import org.apache.catalina.connector.ClientAbortException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

/** What a client learns of an unexpected error (an id) and what the log gets (everything). */
@ExtendWith(OutputCaptureExtension.class)
class InternalErrorsTests {

    private static final String SQL_FAILURE = "PreparedStatementCallback; bad SQL grammar [SELECT secret FROM"
            + " directory.users WHERE id = ?]; ERROR: permission denied for table users";

    @Test
    void anUnexpectedErrorAnswersAGenericProblemWithAnIdTheLogHasTooWithTheDetails(CapturedOutput log) {
        ProblemDetail problem = new ProblemAdvice()
                .unexpected(new DataIntegrityViolationException(SQL_FAILURE), apiRequest())
                .getBody();

        assertThat(problem.getStatus()).isEqualTo(500);
        assertThat(problem.getType()).isEqualTo(Problems.INTERNAL_ERROR);
        String errorId = (String) problem.getProperties().get("errorId");
        assertThat(errorId).isNotBlank();
        assertThat(problem.getDetail()).contains(errorId).doesNotContain("SELECT", "directory", "Exception");
        assertThat(log.getOut() + log.getErr())
                .contains(errorId, "SELECT secret FROM", "DataIntegrityViolationException");
    }

    @Test
    void theErrorPageAnswersProblemsToo() {
        ProblemErrorController errors = new ProblemErrorController(List.of());

        ResponseEntity<ProblemDetail> failed = problem(
                errors.error(errorRequest(500, new IllegalStateException(SQL_FAILURE)), new MockHttpServletResponse()));
        ResponseEntity<ProblemDetail> refused =
                problem(errors.error(errorRequest(400, null), new MockHttpServletResponse()));
        ResponseEntity<ProblemDetail> direct =
                problem(errors.error(new MockHttpServletRequest("GET", "/error"), new MockHttpServletResponse()));

        assertThat(failed.getStatusCode().value()).isEqualTo(500);
        assertThat(failed.getHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
        assertThat(failed.getBody().getDetail()).doesNotContain("SELECT");
        assertThat(failed.getBody().getProperties()).containsKey("errorId");
        assertThat(refused.getStatusCode().value()).isEqualTo(400);
        assertThat(refused.getBody().getStatus()).isEqualTo(400);
        assertThat(direct.getStatusCode().value()).isEqualTo(404);
    }

    /**
     * A client that went away (the container's failed write to it) is answered nothing, by the advice
     * and by the error page; a connection of the gateway's own that failed alike (the database's, reset
     * by its peer) stays an unexpected error.
     */
    @Test
    void aClientThatWentAwayIsAnsweredNothingButAConnectionOfTheGatewaysOwnIsAnError() {
        ClientAbortException gone = new ClientAbortException(new IOException("Broken pipe"));
        IllegalStateException reset =
                new IllegalStateException("database failed", new SocketException("Connection reset by peer"));

        assertThat(new ProblemAdvice().unexpected(gone, apiRequest())).isNull();
        assertThat(new ProblemAdvice().unexpected(new UncheckedIOException(gone), apiRequest()))
                .isNull();
        assertThat(new ProblemErrorController(List.of()).error(errorRequest(500, gone), new MockHttpServletResponse()))
                .isNull();
        assertThat(new ProblemAdvice()
                        .unexpected(reset, apiRequest())
                        .getStatusCode()
                        .value())
                .isEqualTo(500);
    }

    @Test
    void textsQuotingTheRequestAreBounded() {
        String huge = "x".repeat(1_000_000);

        FieldProblem field = new FieldProblem(huge, "'" + huge + "' is not a valid e-mail address");
        ProblemDetail problem = Problems.of(
                org.springframework.http.HttpStatus.BAD_REQUEST, Problems.INVALID_REQUEST, "t", huge, List.of(field));

        assertThat(field.field()).hasSizeLessThanOrEqualTo(FieldProblem.MAX_FIELD_LENGTH);
        assertThat(field.message()).hasSizeLessThanOrEqualTo(FieldProblem.MAX_MESSAGE_LENGTH);
        assertThat(problem.getDetail()).hasSizeLessThanOrEqualTo(Problems.MAX_DETAIL_LENGTH);
    }

    @Test
    void boundingNeverSplitsASurrogatePair() {
        String emojis = "\uD83D\uDE00".repeat(10);

        String bounded = Problems.bounded(emojis, 6);

        assertThat(bounded).isEqualTo("\uD83D\uDE00\uD83D\uDE00\u2026");
        assertThat(Problems.bounded("short", 6)).isEqualTo("short");
    }

    @SuppressWarnings("unchecked")
    private static ResponseEntity<ProblemDetail> problem(Object answer) {
        assertThat(answer).isInstanceOf(ResponseEntity.class);
        return (ResponseEntity<ProblemDetail>) answer;
    }

    private static MockHttpServletRequest apiRequest() {
        return new MockHttpServletRequest("GET", "/api/v1/portfolios");
    }

    private static MockHttpServletRequest errorRequest(int status, Throwable exception) {
        MockHttpServletRequest request = new MockHttpServletRequest("GET", "/error");
        request.setAttribute(RequestDispatcher.ERROR_STATUS_CODE, status);
        request.setAttribute(RequestDispatcher.ERROR_EXCEPTION, exception);
        return request;
    }
}
