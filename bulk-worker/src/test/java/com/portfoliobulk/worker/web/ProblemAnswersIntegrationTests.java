package com.portfoliobulk.worker.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.contracts.ProblemTypes;
import com.portfoliobulk.testsupport.RawHttp;
import com.portfoliobulk.testsupport.TestTokens;
import com.portfoliobulk.worker.WorkerIntegrationSupport;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.web.client.RestClient;

/**
 * Every error of the worker's internal API is a problem of the product's one error model, as the
 * audit-consumer's and the gateway's: {@code application/problem+json} with the product's type of
 * its status, a detail saying what to fix and, for a bad parameter, {@code errors: [{field,
 * message}]}; Spring MVC's own refusals (wrong method, media types, a malformed id, an unreadable
 * body) included. Called with the gateway's internal token, as the gateway calls it.
 */
class ProblemAnswersIntegrationTests extends WorkerIntegrationSupport {

    private static final String ACTOR =
            "{\"userId\": \"" + UUID.randomUUID() + "\", \"email\": \"owner@example.test\"}";

    @LocalServerPort
    int port;

    private RestClient http;

    @BeforeEach
    void client() {
        http = RestClient.builder().baseUrl("http://localhost:" + port).build();
    }

    @Test
    void aMethodThePathDoesNotTakeIsA405NamingTheMethodsToUse() {
        ProblemAnswer answer = send(HttpMethod.DELETE, "/internal/dead-letters", null, null, true);

        answer.assertProblem(405, ProblemTypes.forStatus(405));
        assertThat(answer.headers().getFirst(HttpHeaders.ALLOW)).isEqualTo("GET");
        assertThat(answer.detail()).contains("'DELETE'", "use GET");
    }

    @Test
    void aBodyOfAnotherMediaTypeIsA415NamingContentType() {
        ProblemAnswer answer = send(
                HttpMethod.POST,
                "/internal/dead-letters/" + UUID.randomUUID() + "/redrive",
                MediaType.TEXT_PLAIN,
                "operator=ops-jane",
                true);

        answer.assertProblem(415, ProblemTypes.INVALID_REQUEST);
        assertThat(answer.detail()).contains("Content-Type", "text/plain", "application/json");
        assertThat(answer.field(0)).isEqualTo("Content-Type");
    }

    /** A long media type is repeated cut short, so that what to send stays in the message. */
    @Test
    void aLongMediaTypeIsRepeatedCutShortBeforeWhatToSend() {
        ProblemAnswer answer = send(
                HttpMethod.POST,
                "/internal/dead-letters/" + UUID.randomUUID() + "/redrive",
                new MediaType("text", "x" + "y".repeat(1200)),
                "operator=ops-jane",
                true);

        answer.assertProblem(415, ProblemTypes.INVALID_REQUEST);
        assertThat(answer.body().path("errors").get(0).path("message").asString())
                .contains("text/xyyy", "…' is not supported: send application/json")
                .hasSizeLessThan(200);
    }

    @Test
    void anAcceptNoAnswerMeetsIsA406NamingAccept() {
        ProblemAnswer answer = ProblemAnswer.of(http.get()
                .uri("/internal/dead-letters")
                .header(HttpHeaders.AUTHORIZATION, TestTokens.workerAuthorization())
                .accept(MediaType.valueOf("text/csv")));

        answer.assertProblem(406, ProblemTypes.INVALID_REQUEST);
        assertThat(answer.detail()).contains("Accept", "application/json");
        assertThat(answer.field(0)).isEqualTo("Accept");
    }

    @Test
    void aMalformedIdInThePathIsA400NamingIt() {
        ProblemAnswer answer = send(
                HttpMethod.POST,
                "/internal/dead-letters/not-a-uuid/redrive",
                MediaType.APPLICATION_JSON,
                "{\"operator\": \"ops-jane\", \"reason\": \"fixed\"}",
                true);

        answer.assertProblem(400, ProblemTypes.INVALID_REQUEST);
        assertThat(answer.body().path("title").asString()).isEqualTo("Invalid request parameter");
        assertThat(answer.field(0)).isEqualTo("id");
        assertThat(answer.body().path("errors").get(0).path("message").asString())
                .isEqualTo("must be a UUID");
        assertThat(answer.detail()).isEqualTo("Invalid 'id': must be a UUID");
    }

    @Test
    void anUnreadableBodyIsA400ShowingTheObjectTheEndpointTakes() {
        ProblemAnswer notJson = send(
                HttpMethod.POST,
                "/internal/dead-letters/" + UUID.randomUUID() + "/redrive",
                MediaType.APPLICATION_JSON,
                "{\"operator\": ",
                true);
        ProblemAnswer noBody = send(HttpMethod.POST, "/internal/users", MediaType.APPLICATION_JSON, null, true);
        ProblemAnswer noOwner = send(
                HttpMethod.POST,
                "/internal/portfolios/" + UUID.randomUUID() + "/unlink-all",
                MediaType.APPLICATION_JSON,
                "{}",
                true);

        notJson.assertProblem(400, ProblemTypes.INVALID_REQUEST);
        assertThat(notJson.detail()).isEqualTo("The body must be JSON: {\"operator\": \"...\", \"reason\": \"...\"}.");
        noBody.assertProblem(400, ProblemTypes.INVALID_REQUEST);
        assertThat(noBody.detail()).isEqualTo("The body must be JSON: {\"email\": \"...\"}.");
        noOwner.assertProblem(400, ProblemTypes.INVALID_REQUEST);
        assertThat(noOwner.detail()).contains("\"userId\": \"...\"", "\"email\": \"...\"");
    }

    @Test
    void aBodyFieldOfTheWrongTypeIsA400NamingTheField() {
        ProblemAnswer answer = send(
                HttpMethod.POST,
                "/internal/portfolios/" + UUID.randomUUID() + "/accounts/" + UUID.randomUUID() + "/link",
                MediaType.APPLICATION_JSON,
                "{\"userId\": \"ops-jane\", \"email\": \"owner@example.test\"}",
                true);

        answer.assertProblem(400, ProblemTypes.INVALID_REQUEST);
        assertThat(answer.field(0)).isEqualTo("userId");
        assertThat(answer.detail()).contains("'userId' must be a UUID");
    }

    @Test
    void anEndpointsOwnRefusalsKeepTheirWordsWithTheProductsTypes() {
        ProblemAnswer noOperator = send(
                HttpMethod.POST,
                "/internal/dead-letters/" + UUID.randomUUID() + "/redrive",
                MediaType.APPLICATION_JSON,
                "{\"reason\": \"fixed\"}",
                true);
        ProblemAnswer limit = send(HttpMethod.GET, "/internal/dead-letters?limit=many", null, null, true);
        ProblemAnswer unknown = send(
                HttpMethod.POST,
                "/internal/dead-letters/" + UUID.randomUUID() + "/redrive",
                MediaType.APPLICATION_JSON,
                "{\"operator\": \"ops-jane\", \"reason\": \"fixed\"}",
                true);
        ProblemAnswer notLinked = send(
                HttpMethod.POST,
                "/internal/portfolios/" + UUID.randomUUID() + "/accounts/" + UUID.randomUUID() + "/unlink",
                MediaType.APPLICATION_JSON,
                ACTOR,
                true);

        noOperator.assertProblem(400, ProblemTypes.INVALID_REQUEST);
        assertThat(noOperator.detail()).isEqualTo("'operator' is required: who re-drives the dead letter.");
        assertThat(noOperator.field(0)).isEqualTo("operator");
        limit.assertProblem(400, ProblemTypes.INVALID_REQUEST);
        // The list's limit is the product's paging contract's, refused as every list refuses it.
        assertThat(limit.detail())
                .isEqualTo(
                        "Invalid 'limit': must be a whole number from 1 to 500, in plain digits (no sign or spaces)");
        assertThat(limit.field(0)).isEqualTo("limit");
        unknown.assertProblem(404, ProblemTypes.NOT_FOUND);
        assertThat(unknown.detail()).isEqualTo("No dead letter has this id.");
        assertThat(unknown.body().path("title").asString()).isEqualTo("Not found");
        notLinked.assertProblem(404, ProblemTypes.NOT_FOUND);
        assertThat(notLinked.detail()).isEqualTo("The account is not linked to this portfolio.");
    }

    @Test
    void anUnknownPathIsA404Problem() {
        ProblemAnswer answer = send(HttpMethod.GET, "/internal/no-such-thing", null, null, true);

        answer.assertProblem(404, ProblemTypes.NOT_FOUND);
        assertThat(answer.body().path("title").asString()).isEqualTo("Not found");
        assertThat(answer.detail()).contains("'/internal/no-such-thing'", "check the path");
    }

    @Test
    void withoutTheInternalTokenEveryRequestIsStillThe401OfTheInternalApi() {
        ProblemAnswer wrongMethod = send(HttpMethod.DELETE, "/internal/dead-letters", null, null, false);
        ProblemAnswer unreadable = send(HttpMethod.POST, "/internal/users", MediaType.APPLICATION_JSON, "{", false);

        for (ProblemAnswer answer : new ProblemAnswer[] {wrongMethod, unreadable}) {
            answer.assertProblem(401, ProblemTypes.UNAUTHORIZED);
            assertThat(answer.headers().getFirst(HttpHeaders.WWW_AUTHENTICATE))
                    .isEqualTo("Bearer realm=\"portfolio-bulk-internal\"");
            assertThat(answer.detail()).contains("send their internal token");
        }
    }

    /**
     * A form body of a PUT, PATCH or DELETE is not read before the token is checked: the 401 answers
     * a chunked one whose end never comes, which would otherwise be read whole into memory first.
     */
    @Test
    void aFormBodyWithoutTheInternalTokenIsRefusedBeforeItIsRead() throws Exception {
        String statusLine = RawHttp.statusLineBeforeTheEnd(
                port,
                "PUT /internal/anything HTTP/1.1\r\nHost: localhost\r\n"
                        + "Content-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n"
                        + "6\r\nfield=\r\n");

        assertThat(statusLine).startsWith("HTTP/1.1 401 ");
    }

    private ProblemAnswer send(HttpMethod method, String path, MediaType contentType, String body, boolean withToken) {
        RestClient.RequestBodySpec request = http.method(method).uri(path);
        if (withToken) {
            request.header(HttpHeaders.AUTHORIZATION, TestTokens.workerAuthorization());
        }
        if (contentType != null) {
            request.contentType(contentType);
        }
        if (body != null) {
            request.body(body);
        }
        return ProblemAnswer.of(request);
    }
}
