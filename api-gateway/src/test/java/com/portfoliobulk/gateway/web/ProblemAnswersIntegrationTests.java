package com.portfoliobulk.gateway.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.portfoliobulk.gateway.support.GatewayCalls.Answer;
import com.portfoliobulk.gateway.support.GatewayIntegrationTest;
import com.portfoliobulk.testsupport.DirectorySeed;
import com.portfoliobulk.testsupport.TestTokens;
import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.MediaType;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Every error the gateway answers is an RFC 9457 problem, also those Spring MVC and the container
 * decide (unknown path, wrong method, media types); and only health, info and metrics are exposed
 * of the actuator, on the management port only.
 */
class ProblemAnswersIntegrationTests extends GatewayIntegrationTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final HttpClient http = HttpClient.newHttpClient();

    @Autowired
    private RequestBodyBudget budget;

    @Test
    void anUnknownPathIsANotFoundProblem() {
        assertProblem(api.get(outsider(), "/api/v1/no-such-thing"), 404);
        assertProblem(api.get(outsider(), "/"), 404);
    }

    @Test
    void anUnknownPathsProblemNamesThePathNotAStaticResource() {
        UUID portfolio = directory.portfolio().id();
        String path = jobsPath(portfolio) + "/";

        Answer answer = api.get(admin(portfolio), path);

        assertProblem(answer, 404);
        assertThat(answer.body().path("detail").asString())
                .isEqualTo("No endpoint has the path '" + path + "'; check the path.");
    }

    /**
     * What the container or the firewall cannot read shows only when a handler reads it: a query string
     * that does not decode, a header value outside printable ASCII that the gateway reads. Each is a 400 naming it, and a
     * submission carrying one submits nothing. Sent over a raw socket, as no client library would send
     * them.
     */
    @Test
    void aQueryStringOrHeaderThatCannotBeReadIsABadRequestNamingIt() throws Exception {
        UUID portfolio = directory.portfolio().id();
        String users = "/api/v1/portfolios/" + portfolio + "/users";
        String auth = "Authorization: Bearer " + admin(portfolio) + "\r\n";

        for (String query : new String[] {"?q=%FF", "?q=%zz", "?=1", "?cursor=%FF%FE"}) {
            assertRawProblem(raw("GET " + users + query, auth), UnreadableRequest.QUERY, UnreadableRequest.QUERY_FIX);
        }
        // A header no part of the gateway reads is not looked at, and so not refused either.
        assertThat(raw("GET " + users, auth + "X-Custom: ключ\r\n")).startsWith("HTTP/1.1 200 ");
        String submission = "{\"type\":\"OFFBOARD_USERS\",\"userIds\":[\"" + UUID.randomUUID() + "\"]}";
        assertRawProblem(
                raw(
                        "POST " + jobsPath(portfolio) + " HTTP/1.0",
                        auth + "Idempotency-Key: ключ\r\nContent-Type: application/json\r\nContent-Length: "
                                + submission.length() + "\r\n",
                        submission),
                "Idempotency-Key",
                UnreadableRequest.HEADER_FIX);
        assertThat(jdbc.sql("SELECT count(*) FROM jobs.bulk_jobs WHERE portfolio_id = ?")
                        .param(portfolio)
                        .query(Long.class)
                        .single())
                .isZero();
    }

    /**
     * More parameters than the gateway reads ({@code server.tomcat.max-parameter-count}, 2,500, the query
     * string's and a form's together) are a 400 naming the limit: the problem said the query string
     * could not be decoded, and told the client to percent-encode it.
     */
    @Test
    void moreParametersThanTheGatewayReadsIsABadRequestNamingTheLimit() throws Exception {
        UUID portfolio = directory.portfolio().id();
        String auth = "Authorization: Bearer " + admin(portfolio) + "\r\n";

        String answer = raw("GET /api/v1/portfolios/" + portfolio + "/users?" + "q&".repeat(2501), auth);

        assertThat(answer).as(answer).startsWith("HTTP/1.1 400 ");
        JsonNode problem = body(answer);
        assertThat(problem.path("type").asString()).isEqualTo(Problems.INVALID_REQUEST.toString());
        assertThat(problem.path("title").asString()).isEqualTo("Too many parameters");
        assertThat(problem.path("detail").asString())
                .contains("more than 2500 parameters", "server.tomcat.max-parameter-count")
                .doesNotContain("decoded");
    }

    /**
     * What the security firewall refuses before any endpoint is chosen: a method the API does not take
     * (405 with Allow), a path with a sequence it does not allow, a header value outside printable ASCII
     * (400). Each is a problem naming the part; under the SCIM base path, a SCIM error.
     */
    @Test
    void whatTheFirewallRefusesIsAProblemNamingThePart() throws Exception {
        UUID portfolio = directory.portfolio().id();
        String auth = "Authorization: Bearer " + admin(portfolio) + "\r\n";

        String method = raw("FOO " + jobsPath(portfolio), auth);
        assertThat(method).as(method).startsWith("HTTP/1.1 405 ").contains("Allow: GET, HEAD, POST, PUT, PATCH");
        assertThat(firstError(method).path("field").asString()).isEqualTo("method");
        for (String path : List.of(jobsPath(portfolio) + ";x=1", "/api/v1/portfolios/" + portfolio + "/../x")) {
            String answer = raw("GET " + path, auth);
            assertThat(answer).as(answer).startsWith("HTTP/1.1 400 ");
            assertThat(firstError(answer).path("field").asString()).isEqualTo("path");
        }
        String accept = raw("GET " + jobsPath(portfolio), auth + "Accept: ключ\r\n");
        assertThat(accept).as(accept).startsWith("HTTP/1.1 400 ").containsIgnoringCase("application/problem+json");
        assertThat(firstError(accept).path("field").asString()).isEqualTo("Accept");

        String scim = raw("FOO /scim/v2/portfolios/" + portfolio + "/Users", "");
        assertThat(scim).as(scim).startsWith("HTTP/1.1 405 ").contains("application/scim+json");
        assertThat(body(scim).path("schemas").get(0).asString())
                .isEqualTo("urn:ietf:params:scim:api:messages:2.0:Error");
        assertThat(body(scim).path("detail").asString()).startsWith("Invalid 'method'");
    }

    private static JsonNode body(String answer) {
        return JSON.readTree(answer.substring(answer.indexOf("\r\n\r\n") + 4));
    }

    private static JsonNode firstError(String answer) {
        JsonNode problem = body(answer);
        assertThat(problem.path("type").asString()).as(answer).isEqualTo(Problems.INVALID_REQUEST.toString());
        return problem.path("errors").get(0);
    }

    /** A method or transfer coding Tomcat does not implement: its 501 is the client's to fix, not to retry. */
    @Test
    void aMethodOrTransferCodingTheServerDoesNotImplementIsAProblemSayingWhatToUse() throws Exception {
        UUID portfolio = directory.portfolio().id();
        String auth = "Authorization: Bearer " + admin(portfolio) + "\r\n";

        for (String answer : List.of(
                raw("CONNECT " + jobsPath(portfolio) + " HTTP/1.1", auth + "Connection: close\r\n", ""),
                raw(
                        "POST " + jobsPath(portfolio) + " HTTP/1.1",
                        auth + "Connection: close\r\nTransfer-Encoding: bogus\r\n",
                        "{}"))) {
            assertThat(answer).as(answer).startsWith("HTTP/1.1 501 ");
            JsonNode problem = JSON.readTree(answer.substring(answer.indexOf("\r\n\r\n") + 4));
            assertThat(problem.path("type").asString()).isEqualTo(Problems.INVALID_REQUEST.toString());
            assertThat(problem.path("detail").asString())
                    .startsWith("The request asks for a method or a Transfer-Encoding this server does not implement")
                    .doesNotContain("try again");
        }
    }

    private String raw(String requestLine, String headers) throws IOException {
        return raw(requestLine + " HTTP/1.0", headers, "");
    }

    /**
     * One exchange over a socket, the request line with its protocol: the answer ends when the gateway
     * closes the connection (HTTP/1.0, or 1.1 with {@code Connection: close}).
     */
    private String raw(String requestLine, String headers, String body) throws IOException {
        try (Socket socket = new Socket("localhost", port)) {
            socket.setSoTimeout(10_000);
            String request = requestLine + "\r\nHost: localhost\r\n" + headers + "\r\n" + body;
            socket.getOutputStream().write(request.getBytes(StandardCharsets.UTF_8));
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static void assertRawProblem(String answer, String field, String fix) {
        assertThat(answer).as(answer).startsWith("HTTP/1.1 400 ");
        assertThat(answer).containsIgnoringCase("Content-Type: application/problem+json");
        JsonNode problem = JsonMapper.builder().build().readTree(answer.substring(answer.indexOf("\r\n\r\n") + 4));
        assertThat(problem.path("errors").get(0).path("field").asString())
                .as(answer)
                .isEqualTo(field);
        assertThat(problem.path("errors").get(0).path("message").asString()).isEqualTo(fix);
    }

    @Test
    void aWrongMethodIsAMethodNotAllowedProblem() throws Exception {
        UUID portfolio = directory.portfolio().id();

        HttpResponse<String> answer = send(HttpRequest.newBuilder(uri(jobsPath(portfolio)))
                .header("Authorization", "Bearer " + admin(portfolio))
                .DELETE());

        assertThat(answer.statusCode()).isEqualTo(405);
        assertThat(answer.headers().firstValue("Content-Type")).hasValue(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        assertThat(answer.headers().firstValue("Allow")).isPresent();
    }

    @Test
    void aWrongMethodsProblemNamesTheMethodsToUse() {
        UUID portfolio = directory.portfolio().id();

        Answer answer = api.delete(admin(portfolio), jobsPath(portfolio));

        assertProblem(answer, 405);
        assertThat(methods(answer.header("Allow"))).containsExactlyInAnyOrder("GET", "POST");
        assertThat(answer.body().path("detail").asString())
                .startsWith("Method 'DELETE' is not supported here; use ")
                .contains("GET", "POST");
    }

    @Test
    void aGetOfThePreviewIsAWrongMethodsProblemNamingPostNotAJobIdThatIsNotAUuid() {
        UUID portfolio = directory.portfolio().id();

        Answer answer = api.get(admin(portfolio), jobsPath(portfolio) + "/preview");

        assertProblem(answer, 405);
        assertThat(methods(answer.header("Allow"))).containsExactly("POST");
        assertThat(answer.body().path("detail").asString())
                .startsWith("Method 'GET' is not supported here; use ")
                .contains("POST")
                .doesNotContain("UUID");
        Answer job = api.get(admin(portfolio), jobsPath(portfolio) + "/previews");
        assertProblem(job, 400);
        assertThat(job.body().toString()).contains("'previews' is not a");
    }

    @Test
    void traceIsAMethodNotAllowedProblemNamingItWithTheResourcesOwnMethods() throws Exception {
        UUID portfolio = directory.portfolio().id();
        HttpResponse<String> delete = send(HttpRequest.newBuilder(uri(jobsPath(portfolio)))
                .header("Authorization", "Bearer " + admin(portfolio))
                .DELETE());

        HttpResponse<String> trace = send(HttpRequest.newBuilder(uri(jobsPath(portfolio)))
                .header("Authorization", "Bearer " + admin(portfolio))
                .method("TRACE", HttpRequest.BodyPublishers.noBody()));

        assertThat(trace.statusCode()).isEqualTo(405);
        assertThat(trace.headers().firstValue("Content-Type")).hasValue(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        assertThat(methods(trace.headers().firstValue("Allow").orElseThrow()))
                .isEqualTo(methods(delete.headers().firstValue("Allow").orElseThrow()))
                .contains("GET", "POST")
                .doesNotContain("TRACE", "PUT", "DELETE");
        assertThat(trace.body()).contains("TRACE", "\"instance\":\"" + jobsPath(portfolio) + "\"");
        assertThat(trace.body()).doesNotContain("Authorization", "Bearer");
    }

    @ParameterizedTest
    @ValueSource(strings = {"gzip", "deflate", "br", "identity, gzip"})
    void aCompressedBodyIsAnUnsupportedMediaTypeProblemNamingContentEncoding(String coding) {
        UUID portfolio = directory.portfolio().id();
        String body = "{\"type\":\"OFFBOARD_USERS\",\"userIds\":[\"" + UUID.randomUUID() + "\"]}";

        Answer answer = api.post(
                admin(portfolio),
                jobsPath(portfolio),
                UUID.randomUUID().toString(),
                body,
                Map.of("Content-Encoding", List.of(coding)));

        assertFieldProblem(answer, 415, "Content-Encoding");
        assertThat(answer.body().path("detail").asString()).contains("uncompressed");
        assertThat(answer.header("Accept-Encoding")).isEqualTo("identity");
        assertThat(jobCount(portfolio)).isZero();
    }

    @Test
    void theIdentityContentCodingIsAPlainBody() {
        UUID portfolio = directory.portfolio().id();
        String body = "{\"type\":\"OFFBOARD_USERS\",\"userIds\":[\"" + UUID.randomUUID() + "\"]}";

        Answer answer = api.post(
                admin(portfolio),
                jobsPath(portfolio) + "/preview",
                null,
                body,
                Map.of("Content-Encoding", List.of("identity")));

        assertThat(answer.status()).as(answer.text()).isNotEqualTo(415);
        assertThat(answer.status()).as(answer.text()).isLessThan(500);
    }

    @Test
    void aBodyOfAnotherMediaTypeIsAnUnsupportedMediaTypeProblem() throws Exception {
        UUID portfolio = directory.portfolio().id();

        HttpResponse<String> answer = send(HttpRequest.newBuilder(uri(jobsPath(portfolio)))
                .header("Authorization", "Bearer " + admin(portfolio))
                .header("Idempotency-Key", UUID.randomUUID().toString())
                .header("Content-Type", "application/xml")
                .POST(HttpRequest.BodyPublishers.ofString("<job/>")));

        assertThat(answer.statusCode()).isEqualTo(415);
        assertThat(answer.headers().firstValue("Content-Type")).hasValue(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        assertThat(jobCount(portfolio)).isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {"text/plain", "application/xml", "application/x-www-form-urlencoded"})
    void aBodyOfAnotherMediaTypeIsAProblemNamingContentTypeAndTheTypeToSend(String type) {
        UUID portfolio = directory.portfolio().id();
        String body = "{\"type\":\"OFFBOARD_USERS\",\"userIds\":[\"" + UUID.randomUUID() + "\"]}";

        Answer answer = api.post(
                admin(portfolio),
                jobsPath(portfolio),
                UUID.randomUUID().toString(),
                body,
                Map.of("Content-Type", List.of(type)));

        assertFieldProblem(answer, 415, "Content-Type");
        assertThat(answer.body().path("errors").get(0).path("message").asString())
                .isEqualTo("'" + type + "' is not supported: send application/json");
        assertThat(jobCount(portfolio)).isZero();
    }

    /** A Content-Type that is no media type is named as sent, not called missing. */
    @ParameterizedTest
    @ValueSource(strings = {"application/json;charset=\"utf-8", "json", "application/json; charset=no-such-charset"})
    void aContentTypeThatIsNoMediaTypeIsAProblemShowingIt(String type) throws Exception {
        UUID portfolio = directory.portfolio().id();

        HttpResponse<String> answer = send(HttpRequest.newBuilder(uri(jobsPath(portfolio)))
                .header("Authorization", "Bearer " + admin(portfolio))
                .header("Idempotency-Key", UUID.randomUUID().toString())
                .header("Content-Type", type)
                .POST(HttpRequest.BodyPublishers.ofString(
                        "{\"type\":\"OFFBOARD_USERS\",\"userIds\":[\"" + UUID.randomUUID() + "\"]}")));

        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(415);
        assertThat(answer.body())
                .contains("\"errors\":[{\"field\":\"Content-Type\",\"message\":\"'" + type.replace("\"", "\\\"")
                        + "' is not a valid media type: send application/json\"}]");
        assertThat(jobCount(portfolio)).isZero();
    }

    @Test
    void aBodyWithoutContentTypeIsAProblemSayingWhichTypeToSend() throws Exception {
        UUID portfolio = directory.portfolio().id();

        HttpResponse<String> answer = send(HttpRequest.newBuilder(uri(jobsPath(portfolio)))
                .header("Authorization", "Bearer " + admin(portfolio))
                .header("Idempotency-Key", UUID.randomUUID().toString())
                .POST(HttpRequest.BodyPublishers.ofString("{\"type\":\"OFFBOARD_USERS\"}")));

        assertThat(answer.statusCode()).isEqualTo(415);
        assertThat(answer.headers().firstValue("Content-Type")).hasValue(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        assertThat(answer.body())
                .contains(
                        "\"detail\":\"Invalid 'Content-Type': is required: send application/json\"",
                        "\"errors\":[{\"field\":\"Content-Type\",\"message\":\"is required: send application/json\"}]")
                .doesNotContain("null");
        assertThat(jobCount(portfolio)).isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {"text/csv", "application/xml", "text/html"})
    void theActivityLogRefusesAnAcceptItsJsonDoesNotMeet(String accept) {
        DirectorySeed.Portfolio portfolio = directory.portfolio();
        UUID account = portfolio.account("Brand Berlin");

        Answer answer = api.get(
                admin(portfolio.id()),
                "/api/v1/portfolios/" + portfolio.id() + "/accounts/" + account + "/activity-log",
                Map.of("Accept", accept));

        assertFieldProblem(answer, 406, "Accept");
        assertThat(answer.body().path("detail").asString())
                .isEqualTo("Invalid 'Accept': must accept one of application/json");
    }

    @ParameterizedTest
    @ValueSource(strings = {"application/xml", "garbage", "application/problem+json"})
    void anAnswerTheClientCannotAcceptIsANotAcceptableProblemNamingTheHeader(String accept) {
        UUID portfolio = directory.portfolio().id();

        Answer answer =
                api.get(admin(portfolio), "/api/v1/portfolios/" + portfolio + "/accounts", Map.of("Accept", accept));

        assertFieldProblem(answer, 406, "Accept");
        assertThat(answer.body().path("detail").asString()).startsWith("Invalid 'Accept': ");
    }

    @Test
    void malformedJsonIsABadRequestProblem() {
        UUID portfolio = directory.portfolio().id();

        assertProblem(submit(portfolio, "{\"type\":"), 400);
        assertThat(jobCount(portfolio)).isZero();
    }

    @Test
    void everyPostRefusesADeclaredBodyOverTheLimitBeforeReadingIt() {
        // Job submission, the one POST that reads its body, refuses undeclared (chunked) ones too:
        // see JobValidationIntegrationTests.
        UUID portfolio = directory.portfolio().id();
        String sixMegabytes = " ".repeat(6 * 1024 * 1024);

        for (String path : new String[] {
            jobsPath(portfolio),
            jobPath(portfolio, UUID.randomUUID()) + "/cancel",
            "/api/v1/invitations/" + UUID.randomUUID() + "/accept"
        }) {
            Answer answer = api.post(admin(portfolio), path, UUID.randomUUID().toString(), sixMegabytes);

            assertProblem(answer, 413);
        }
        assertThat(jobCount(portfolio)).isZero();
    }

    /**
     * The large bodies being handled at once are bounded gateway-wide
     * ({@code bulk.gateway.web.max-body-bytes-in-flight}, 20 MB: four bodies of the 5 MB cap). Four
     * submissions of four callers (each within its own share) that send the head of a 5 MB body and
     * then wait hold it all: a further large body (over 64 KiB) waits briefly, then answers 503 with
     * {@code Retry-After} and submits nothing, while a small body is answered as ever (from the reserve
     * of the budget that only small bodies take). Once the four end, a large body is accepted again.
     */
    @Test
    void largeBodiesBeingHandledAtOnceAreBoundedGatewayWide() throws Exception {
        DirectorySeed.Portfolio portfolio = directory.portfolio();
        UUID account = portfolio.account("Budget");
        String large = invitation(directory.newEmail(), account) + " ".repeat(100 * 1024);
        String invalidLarge = "{\"type\":\"INVITE_USERS\",\"emails\":[],\"accounts\":[]}" + " ".repeat(100 * 1024);
        List<Socket> slow = new ArrayList<>();
        try {
            for (int i = 0; i < 4; i++) {
                Socket socket = new Socket("localhost", port);
                slow.add(socket);
                String head = "POST " + jobsPath(portfolio.id()) + " HTTP/1.1\r\nHost: localhost\r\n"
                        + "Authorization: Bearer " + editor(portfolio.id()) + "\r\n"
                        + "Idempotency-Key: " + UUID.randomUUID() + "\r\n"
                        + "Content-Type: application/json\r\nContent-Length: " + 5 * 1024 * 1024 + "\r\n\r\n"
                        + "{\"type\":\"INVITE_USERS\",\"emails\":[";
                socket.getOutputStream().write(head.getBytes(StandardCharsets.UTF_8));
                socket.getOutputStream().flush();
            }
            // Once the four are being read, a large body finds the budget used up (a body that is not
            // valid, so that an answer before then changes nothing either).
            await().atMost(Duration.ofSeconds(30))
                    .untilAsserted(() -> assertProblem(submit(portfolio.id(), invalidLarge), 503));

            Answer busy = submit(portfolio.id(), large);
            Answer small = submit(portfolio.id(), invitation(directory.newEmail(), account));

            assertProblem(busy, 503);
            assertThat(busy.header("Retry-After")).isEqualTo("2");
            assertThat(busy.body().path("type").asString()).isEqualTo(Problems.UNAVAILABLE.toString());
            assertThat(busy.body().path("detail").asString()).contains("nothing was changed");
            assertThat(small.status()).as(small.text()).isEqualTo(202);
            assertThat(jobCount(portfolio.id())).isOne();
        } finally {
            for (Socket socket : slow) {
                socket.close();
            }
        }
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(
                        () -> assertThat(submit(portfolio.id(), large).status()).isEqualTo(202));
        assertThat(jobCount(portfolio.id())).isEqualTo(2);
        assertThat(metrics())
                .containsPattern("bulk_requests_body_budget_refused_total\\{[^}]*reason=\"budget\"[^}]*} [1-9]");
    }

    /**
     * One caller's large bodies hold at most {@code
     * bulk.gateway.web.max-body-bytes-in-flight-per-caller} (by default half of the budget, 10 MB: two
     * bodies of the 5 MB cap), however many connections it opens. Two submissions of one caller that
     * send the head of a 5 MB body and then wait hold its share: its next large body waits briefly,
     * then answers 503 with {@code Retry-After} and submits nothing, while another caller's large body
     * is accepted at the same time. Once the two are answered 408 (their bodies trickled past the
     * read timeout), the caller's large body is accepted again, and the gateway keeps nothing of the
     * caller.
     */
    @Test
    void oneCallersLargeBodiesHoldAtMostItsShareWhileOtherCallersAreServed() throws Exception {
        DirectorySeed.Portfolio portfolio = directory.portfolio();
        DirectorySeed.Portfolio other = directory.portfolio();
        UUID account = portfolio.account("Share");
        UUID otherAccount = other.account("Share");
        UUID hogId = UUID.randomUUID();
        String hog = TestTokens.token(hogId, "hog@agency.test", portfolio.id(), "OWNER");
        String invalidLarge = "{\"type\":\"INVITE_USERS\",\"emails\":[],\"accounts\":[]}" + " ".repeat(100 * 1024);
        List<Socket> slow = new ArrayList<>();
        try {
            for (int i = 0; i < 2; i++) {
                Socket socket = new Socket("localhost", port);
                socket.setSoTimeout(30_000);
                slow.add(socket);
                String head = "POST " + jobsPath(portfolio.id()) + " HTTP/1.1\r\nHost: localhost\r\n"
                        + "Authorization: Bearer " + hog + "\r\n"
                        + "Idempotency-Key: " + UUID.randomUUID() + "\r\n"
                        + "Content-Type: application/json\r\nContent-Length: " + 5 * 1024 * 1024 + "\r\n\r\n"
                        + "{\"type\":\"INVITE_USERS\",\"emails\":[";
                socket.getOutputStream().write(head.getBytes(StandardCharsets.UTF_8));
                socket.getOutputStream().flush();
            }
            // Once the two are being read, the caller's next large body finds its share used up (a body
            // that is not valid, so that an answer before then changes nothing either).
            await().atMost(Duration.ofSeconds(30))
                    .untilAsserted(() -> assertProblem(
                            api.post(
                                    hog,
                                    jobsPath(portfolio.id()),
                                    UUID.randomUUID().toString(),
                                    invalidLarge),
                            503));

            Answer othersLarge =
                    submit(other.id(), invitation(directory.newEmail(), otherAccount) + " ".repeat(100 * 1024));
            Answer busy = api.post(
                    hog,
                    jobsPath(portfolio.id()),
                    UUID.randomUUID().toString(),
                    invitation(directory.newEmail(), account) + " ".repeat(100 * 1024));

            assertThat(othersLarge.status()).as(othersLarge.text()).isEqualTo(202);
            assertProblem(busy, 503);
            assertThat(busy.header("Retry-After")).isEqualTo("2");
            assertThat(busy.body().path("type").asString()).isEqualTo(Problems.UNAVAILABLE.toString());
            assertThat(busy.body().path("detail").asString())
                    .contains("nothing was changed", "bulk.gateway.web.max-body-bytes-in-flight-per-caller");
            assertThat(jobCount(portfolio.id())).isZero();

            // A byte of each body (JSON whitespace) at every poll, until both have been answered 408.
            await().atMost(Duration.ofSeconds(40))
                    .pollInterval(Duration.ofMillis(500))
                    .until(() -> {
                        boolean allAnswered = true;
                        for (Socket socket : slow) {
                            if (socket.getInputStream().available() == 0) {
                                allAnswered = false;
                                socket.getOutputStream().write(' ');
                                socket.getOutputStream().flush();
                            }
                        }
                        return allAnswered;
                    });
            for (Socket socket : slow) {
                socket.shutdownOutput();
                String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertThat(answer).as(answer).startsWith("HTTP/1.1 408 ");
            }
        } finally {
            for (Socket socket : slow) {
                socket.close();
            }
        }
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(api.post(
                                        hog,
                                        jobsPath(portfolio.id()),
                                        UUID.randomUUID().toString(),
                                        invitation(directory.newEmail(), account) + " ".repeat(100 * 1024))
                                .status())
                        .isEqualTo(202));
        assertThat(jobCount(portfolio.id())).isOne();
        await().atMost(Duration.ofSeconds(10)).until(() -> !budget.counts(hogId.toString()));
        assertThat(metrics())
                .containsPattern("bulk_requests_body_budget_refused_total\\{[^}]*reason=\"caller\"[^}]*} [1-9]");
    }

    /**
     * Small bodies count in their caller's share too: 160 bodies of 64 KiB that one caller's token (one
     * that administers nothing, to an endpoint that reads the body before it checks the permission) sends
     * the start of and then holds back hold all of its share (10 MB), and its next body, however small,
     * waits briefly, then answers 503 with {@code Retry-After} and changes nothing, while another
     * caller's small submission is accepted at the same time. Before, a body of 64 KiB or less took
     * nothing from the budget: one token's slow bodies were read all at once, as many as it opened
     * connections (some 1,300 of them, their records near 1 MB each, took all of the heap).
     */
    @Test
    void oneCallersSmallBodiesHoldAtMostItsShareWhileOtherCallersAreServed() throws Exception {
        DirectorySeed.Portfolio portfolio = directory.portfolio();
        UUID account = portfolio.account("Small");
        UUID hogId = UUID.randomUUID();
        String hog = TestTokens.token(hogId, "small-hog@agency.test", UUID.randomUUID(), "OWNER");
        String roles = "/api/v1/portfolios/" + portfolio.id() + "/portfolio-roles";
        String role = "{\"code\":\"SMALL_HOG\",\"name\":\"Small hog\",\"permissions\":[]}";
        int held = (int) (10 * 1024 * 1024 / RequestBodyBudget.SMALL_BODY);
        List<Socket> slow = new ArrayList<>();
        try {
            for (int i = 0; i < held; i++) {
                Socket socket = new Socket("localhost", port);
                slow.add(socket);
                String head = "POST " + roles + " HTTP/1.1\r\nHost: localhost\r\n"
                        + "Authorization: Bearer " + hog + "\r\n"
                        + "Content-Type: application/json\r\nContent-Length: " + RequestBodyBudget.SMALL_BODY
                        + "\r\n\r\n{\"permissions\":[";
                socket.getOutputStream().write(head.getBytes(StandardCharsets.UTF_8));
                socket.getOutputStream().flush();
            }
            // Once they are all being read, the caller's next small body finds its share used up (one it may
            // not send, so that an answer before then changes nothing either).
            await().atMost(Duration.ofSeconds(30))
                    .untilAsserted(() -> assertProblem(api.post(hog, roles, null, role), 503));

            Answer busy = api.post(hog, roles, null, role);
            Answer othersSmall = submit(portfolio.id(), invitation(directory.newEmail(), account));

            assertProblem(busy, 503);
            assertThat(busy.header("Retry-After")).isEqualTo("2");
            assertThat(busy.body().path("type").asString()).isEqualTo(Problems.UNAVAILABLE.toString());
            assertThat(busy.body().path("detail").asString())
                    .contains("nothing was changed", "bulk.gateway.web.max-body-bytes-in-flight-per-caller");
            assertThat(othersSmall.status()).as(othersSmall.text()).isEqualTo(202);
            assertThat(jobCount(portfolio.id())).isOne();
        } finally {
            for (Socket socket : slow) {
                socket.close();
            }
        }
        // Their connections closed, the caller's bodies are read again, and the gateway keeps nothing of it.
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() ->
                        assertThat(api.post(hog, roles, null, role).status()).isEqualTo(403));
        await().atMost(Duration.ofSeconds(10)).until(() -> !budget.counts(hogId.toString()));
        assertThat(metrics())
                .containsPattern("bulk_requests_body_budget_refused_total\\{[^}]*reason=\"caller\"[^}]*} [1-9]");
    }

    /**
     * All of a portfolio's SCIM tokens together hold one caller's share of the request bodies' budget
     * (10 MB: 53 SCIM bodies of 64 KiB, each counted three times, as a tree): while one token's 53
     * searches, sent in part and held back, hold it, a search of a second token of the same portfolio
     * waits briefly and is answered a SCIM 503 with {@code Retry-After} naming the share, while another
     * portfolio's SCIM token is served. Before, each token had a share of its own, and a portfolio's
     * Owner may create any number of tokens: three of them sending some 135 slow SCIM bodies held the
     * whole budget, and every other portfolio's bodies were answered 503.
     */
    @Test
    void aPortfoliosScimTokensHoldOneShareOfTheBodyBudgetTogether() throws Exception {
        UUID portfolio = directory.portfolio().id();
        UUID other = directory.portfolio().id();
        String first = scimToken(portfolio, "Entra ID");
        String second = scimToken(portfolio, "Okta");
        String othersToken = scimToken(other, "Entra ID");
        int size = 64 * 1024;
        int held = 10 * 1024 * 1024 / (3 * size);
        List<Socket> slow = new ArrayList<>();
        try {
            for (int i = 0; i < held; i++) {
                Socket socket = new Socket("localhost", port);
                slow.add(socket);
                String head = "POST /scim/v2/portfolios/" + portfolio + "/Users/.search HTTP/1.1\r\nHost: localhost\r\n"
                        + "Authorization: Bearer " + first + "\r\n"
                        + "Content-Type: application/scim+json\r\nContent-Length: " + size + "\r\n\r\n{";
                socket.getOutputStream().write(head.getBytes(StandardCharsets.UTF_8));
                socket.getOutputStream().flush();
            }
            // Once they are all being read, the first token's next search finds the share used up.
            await().atMost(Duration.ofSeconds(30))
                    .untilAsserted(
                            () -> assertThat(scimSearch(first, portfolio, size).statusCode())
                                    .isEqualTo(503));

            HttpResponse<String> busy = scimSearch(second, portfolio, size);
            HttpResponse<String> othersSearch = scimSearch(othersToken, other, size);

            assertThat(busy.statusCode()).as(busy.body()).isEqualTo(503);
            assertThat(busy.headers().firstValue("Content-Type"))
                    .hasValueSatisfying(type -> assertThat(type).startsWith("application/scim+json"));
            assertThat(busy.headers().firstValue("Retry-After")).hasValue("2");
            assertThat(JSON.readTree(busy.body()).path("detail").asString())
                    .contains("nothing was changed", "bulk.gateway.web.max-body-bytes-in-flight-per-caller");
            assertThat(othersSearch.statusCode()).as(othersSearch.body()).isEqualTo(200);
        } finally {
            for (Socket socket : slow) {
                socket.close();
            }
        }
        // Their connections closed, the portfolio's tokens are served again, and the gateway keeps nothing.
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(
                        () -> assertThat(scimSearch(second, portfolio, size).statusCode())
                                .isEqualTo(200));
        await().atMost(Duration.ofSeconds(10)).until(() -> !budget.counts("scim:" + portfolio));
    }

    /** A new SCIM token of the portfolio, as its Owner creates it. */
    private String scimToken(UUID portfolio, String name) {
        Answer created = api.post(
                admin(portfolio),
                "/api/v1/portfolios/" + portfolio + "/scim-tokens",
                null,
                "{\"name\":\"" + name + "\"}");
        assertThat(created.status()).as(created.text()).isEqualTo(201);
        return created.body().path("token").asString();
    }

    /** A SCIM search of the portfolio's users with this token, its body padded to {@code size} bytes. */
    private HttpResponse<String> scimSearch(String token, UUID portfolio, int size) throws Exception {
        String search = "{\"schemas\":[\"urn:ietf:params:scim:api:messages:2.0:SearchRequest\"],"
                + "\"filter\":\"userName eq \\\"nobody@example.test\\\"\"";
        String body = search + " ".repeat(size - search.length() - 1) + "}";
        return send(HttpRequest.newBuilder(uri("/scim/v2/portfolios/" + portfolio + "/Users/.search"))
                .header("Authorization", "Bearer " + token)
                .header("Accept", "application/scim+json")
                .header("Content-Type", "application/scim+json")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    /**
     * A body that takes longer to arrive than {@code bulk.gateway.web.body-read-timeout} (8 s in the
     * tests) is answered 408, and gives back its share of the large bodies' budget. Four callers whose
     * token is valid but who administer nothing hold the whole budget with chunked bodies (each counts
     * as the largest) to an endpoint that reads the body before it checks the permission, sending a
     * byte now and then: once their time is up they are answered 408, and a large submission of
     * someone else is accepted.
     */
    @Test
    void aBodyTrickledPastTheReadTimeoutIsARequestTimeoutAndGivesBackTheBudget() throws Exception {
        DirectorySeed.Portfolio portfolio = directory.portfolio();
        UUID account = portfolio.account("Trickle");
        String large = invitation(directory.newEmail(), account) + " ".repeat(100 * 1024);
        List<Socket> trickling = new ArrayList<>();
        try {
            for (int i = 0; i < 4; i++) {
                Socket socket = new Socket("localhost", port);
                socket.setSoTimeout(30_000);
                trickling.add(socket);
                String head = "POST /api/v1/portfolios/" + portfolio.id() + "/portfolio-users HTTP/1.1\r\n"
                        + "Host: localhost\r\nAuthorization: Bearer " + outsider() + "\r\n"
                        + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n1\r\n{\r\n";
                socket.getOutputStream().write(head.getBytes(StandardCharsets.UTF_8));
                socket.getOutputStream().flush();
            }
            // A byte of each body (JSON whitespace) at every poll, until every one has been answered.
            await().atMost(Duration.ofSeconds(40))
                    .pollInterval(Duration.ofMillis(500))
                    .until(() -> {
                        boolean allAnswered = true;
                        for (Socket socket : trickling) {
                            if (socket.getInputStream().available() == 0) {
                                allAnswered = false;
                                socket.getOutputStream().write("1\r\n \r\n".getBytes(StandardCharsets.UTF_8));
                                socket.getOutputStream().flush();
                            }
                        }
                        return allAnswered;
                    });

            for (Socket socket : trickling) {
                // The body stays unfinished: the end of the stream lets the answer's connection close.
                socket.shutdownOutput();
                String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertThat(answer).as(answer).startsWith("HTTP/1.1 408 ");
                // The answer's body as sent, perhaps in one chunk: the JSON object in it.
                JsonNode problem = JSON.readTree(
                        answer.substring(answer.indexOf('{', answer.indexOf("\r\n\r\n")), answer.lastIndexOf('}') + 1));
                assertThat(problem.path("type").asString()).isEqualTo("urn:portfolio-bulk:problem:request-timeout");
                assertThat(problem.path("detail").asString())
                        .contains("request body did not arrive within 8 s", "bulk.gateway.web.body-read-timeout");
            }
            Answer accepted = submit(portfolio.id(), large);
            assertThat(accepted.status()).as(accepted.text()).isEqualTo(202);
        } finally {
            for (Socket socket : trickling) {
                socket.close();
            }
        }
    }

    /**
     * A form's body (here the console's sign-in form, before anyone signed in) is read by the rules of
     * every other body before the security filters read its fields (the CSRF check reads its token): each
     * form trickled past the read timeout (8 s in the tests) is answered 408, and gives back its share of
     * the large bodies' budget. Before, the container read it whole when the CSRF check asked, with no
     * deadline but the connection's own timeout per read: a byte now and then held it for as long as the
     * client liked. A form is any body the container reads as one: its media type in any case, with
     * parameters that a strict parser refuses (an empty value, a character set that does not exist, a
     * value with a space). Before, such a form was left to the container, as before the read timeout.
     */
    @Test
    void formsTrickledPastTheReadTimeoutAreRequestTimeoutsAndGiveBackTheirShare() throws Exception {
        List<String> contentTypes = List.of(
                "application/x-www-form-urlencoded",
                "application/x-www-form-urlencoded; a=",
                "Application/X-WWW-Form-URLencoded ; charset=no-such-charset",
                "application/x-www-form-urlencoded; a=b c");
        List<Socket> trickling = new ArrayList<>();
        try {
            // All at once, each with its own deadline: one read timeout for the four.
            for (String contentType : contentTypes) {
                Socket socket = new Socket("localhost", port);
                socket.setSoTimeout(30_000);
                trickling.add(socket);
                String head = "POST /console/sign-in HTTP/1.1\r\nHost: localhost\r\n" + "Content-Type: " + contentType
                        + "\r\nContent-Length: 100000\r\n\r\n_csrf=";
                socket.getOutputStream().write(head.getBytes(StandardCharsets.UTF_8));
                socket.getOutputStream().flush();
            }
            // A byte of each body at every poll, until every one has been answered.
            await().atMost(Duration.ofSeconds(40))
                    .pollInterval(Duration.ofMillis(500))
                    .until(() -> {
                        boolean allAnswered = true;
                        for (Socket socket : trickling) {
                            if (socket.getInputStream().available() == 0) {
                                allAnswered = false;
                                socket.getOutputStream().write('x');
                                socket.getOutputStream().flush();
                            }
                        }
                        return allAnswered;
                    });

            for (int i = 0; i < trickling.size(); i++) {
                Socket socket = trickling.get(i);
                socket.shutdownOutput();
                String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertThat(answer).as(contentTypes.get(i)).startsWith("HTTP/1.1 408 ");
                assertConsolePage(answer, 408, "Request body too slow", "request body did not arrive within 8 s");
            }
        } finally {
            for (Socket socket : trickling) {
                socket.close();
            }
        }
        // The share of the callers not signed in ("") is given back.
        await().atMost(Duration.ofSeconds(10)).until(() -> !budget.counts(""));
    }

    /**
     * The large forms of callers not signed in (here the console's sign-in form) take from the large
     * bodies' budget before anything reads them, all together at most a small share of it (a quarter of
     * a caller's, 2.5 MB): while one 2 MB form is being read, a further one waits briefly and is answered
     * 503 with {@code Retry-After}, its body unread, and a signed-in caller's large submission is
     * accepted. Before, the CSRF check had the container read each such form whole, in no budget: a few
     * hundred of them sent slowly held a gigabyte of heap. A console form's 503 is the console's error
     * page; before, it was the API's problem, which the browser showed as raw JSON.
     */
    @Test
    void largeFormsOfCallersNotSignedInHoldAtMostTheirShareWhileSignedInCallersAreServed() throws Exception {
        DirectorySeed.Portfolio portfolio = directory.portfolio();
        UUID account = portfolio.account("Forms");
        String form = "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 2000000\r\n";
        try (Socket held = new Socket("localhost", port)) {
            held.setSoTimeout(30_000);
            held.getOutputStream()
                    .write(("POST /console/sign-in HTTP/1.1\r\nHost: localhost\r\n" + form + "\r\n_csrf=")
                            .getBytes(StandardCharsets.UTF_8));
            held.getOutputStream().flush();

            // Once the first is being read, a further one finds the share held.
            await().atMost(Duration.ofSeconds(30))
                    .untilAsserted(() -> assertThat(head("POST /console/sign-in", form, "_csrf="))
                            .startsWith("HTTP/1.1 503 "));
            String busy = answer("POST /console/sign-in", form, "_csrf=");
            Answer signedIn =
                    submit(portfolio.id(), invitation(directory.newEmail(), account) + " ".repeat(100 * 1024));

            assertConsolePage(busy, 503, "Service unavailable", "request bodies of callers not signed in");
            assertThat(busy).as(busy).containsIgnoringCase("Retry-After: 2\r\n");
            assertThat(signedIn.status()).as(signedIn.text()).isEqualTo(202);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> !budget.counts(""));
        assertThat(metrics())
                .containsPattern("bulk_requests_body_budget_refused_total\\{[^}]*reason=\"anonymous\"[^}]*} [1-9]");
    }

    /**
     * Small forms of callers not signed in (here the console's sign-in form) count in their share too
     * (2.5 MB): 40 forms of 64 KiB sent in part and then held back hold it all, and a further form,
     * however small, waits briefly and is answered 503 on the console's error page with {@code
     * Retry-After}, its body unread, while a signed-in caller's small submission is accepted. Before, a
     * form of 64 KiB or less took nothing from the budget: anyone, signed in or not, could have as many
     * read at once as they opened connections.
     */
    @Test
    void smallFormsOfCallersNotSignedInHoldAtMostTheirShareWhileSignedInCallersAreServed() throws Exception {
        DirectorySeed.Portfolio portfolio = directory.portfolio();
        UUID account = portfolio.account("Small forms");
        String form = "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: ";
        int held = (int) (10 * 1024 * 1024 / 4 / RequestBodyBudget.SMALL_BODY);
        List<Socket> slow = new ArrayList<>();
        try {
            for (int i = 0; i < held; i++) {
                Socket socket = new Socket("localhost", port);
                slow.add(socket);
                socket.getOutputStream()
                        .write(("POST /console/sign-in HTTP/1.1\r\nHost: localhost\r\n" + form
                                        + RequestBodyBudget.SMALL_BODY + "\r\n\r\n_csrf=")
                                .getBytes(StandardCharsets.UTF_8));
                socket.getOutputStream().flush();
            }
            // Once they are all being read, a further form, sent whole, finds the share held.
            await().atMost(Duration.ofSeconds(30))
                    .untilAsserted(() -> assertThat(head("POST /console/sign-in", form + "6\r\n", "_csrf="))
                            .startsWith("HTTP/1.1 503 "));
            String busy = answer("POST /console/sign-in", form + "6\r\n", "_csrf=");
            Answer signedIn = submit(portfolio.id(), invitation(directory.newEmail(), account));

            assertConsolePage(busy, 503, "Service unavailable", "request bodies of callers not signed in");
            assertThat(busy).as(busy).containsIgnoringCase("Retry-After: 2\r\n");
            assertThat(signedIn.status()).as(signedIn.text()).isEqualTo(202);
        } finally {
            for (Socket socket : slow) {
                socket.close();
            }
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> !budget.counts(""));
    }

    /**
     * The answer is the web console's error page of this status, title and detail, with the console's
     * security headers (its pages' styles and scripts allowed), not a problem: a person reads it.
     */
    private static void assertConsolePage(String answer, int status, String title, String detail) {
        assertThat(answer)
                .as(answer)
                .startsWith("HTTP/1.1 " + status + " ")
                .containsPattern("(?i)\r\nContent-Type: text/html")
                .containsPattern("(?i)\r\nContent-Security-Policy: default-src 'self'")
                .containsPattern("(?i)\r\nX-Content-Type-Options: nosniff")
                .contains("<title>" + title + " · Portfolio Bulk Access</title>", detail)
                .doesNotContain("urn:portfolio-bulk:problem");
    }

    /**
     * Sends the request's head and {@code bodyStart}, ends the request there, and reads the whole
     * answer.
     */
    private String answer(String requestLine, String headers, String bodyStart) throws IOException {
        try (Socket socket = new Socket("localhost", port)) {
            socket.setSoTimeout(20_000);
            String request = requestLine + " HTTP/1.1\r\nHost: localhost\r\n" + headers + "\r\n" + bodyStart;
            socket.getOutputStream().write(request.getBytes(StandardCharsets.UTF_8));
            socket.shutdownOutput();
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /**
     * Sends the request's head and {@code bodyStart}, and reads the answer's status line and header
     * fields.
     */
    private String head(String requestLine, String headers, String bodyStart) throws IOException {
        try (Socket socket = new Socket("localhost", port)) {
            socket.setSoTimeout(20_000);
            String request = requestLine + " HTTP/1.1\r\nHost: localhost\r\n" + headers + "\r\n" + bodyStart;
            socket.getOutputStream().write(request.getBytes(StandardCharsets.UTF_8));
            StringBuilder head = new StringBuilder();
            for (int c = socket.getInputStream().read();
                    c >= 0;
                    c = socket.getInputStream().read()) {
                head.append((char) c);
                if (head.toString().endsWith("\r\n\r\n")) {
                    break;
                }
            }
            return head.toString();
        }
    }

    private static String invitation(String email, UUID account) {
        return """
                {"type":"INVITE_USERS","emails":["%s"],"accounts":[{"accountId":"%s"}]}""".formatted(email, account);
    }

    /**
     * No filter reads a form body of a PUT, PATCH or DELETE ahead of the body limit and the
     * authentication: a declared length over the limit answers 413 at once, from anyone, and a chunked
     * body that never ends is not waited for before the missing token answers 401. Each request sends
     * its head and only the start of its body, and reads the status line while the body is still due.
     */
    @Test
    void aFormBodyIsReadByNothingBeforeTheBodyLimitAndTheAuthentication() throws Exception {
        String path = "/api/v1/portfolios/" + UUID.randomUUID() + "/anything";
        String form = "Content-Type: application/x-www-form-urlencoded\r\n";

        for (String method : List.of("PUT", "PATCH", "DELETE")) {
            String declared = statusLine(method + " " + path, form + "Content-Length: 6000000\r\n", "");
            String chunked = statusLine(method + " " + path, form + "Transfer-Encoding: chunked\r\n", "100000\r\na=");

            assertThat(declared).as(method).startsWith("HTTP/1.1 413");
            assertThat(chunked).as(method).startsWith("HTTP/1.1 401");
        }
    }

    /** Sends the request's head and {@code bodyStart}, and reads the status line of the answer. */
    private String statusLine(String requestLine, String headers, String bodyStart) throws IOException {
        try (Socket socket = new Socket("localhost", port)) {
            // Well below Tomcat's own read timeout (60 s), which would end a wait for the body too.
            socket.setSoTimeout(20_000);
            String request = requestLine + " HTTP/1.1\r\nHost: localhost\r\n" + headers + "\r\n" + bodyStart;
            socket.getOutputStream().write(request.getBytes(StandardCharsets.UTF_8));
            StringBuilder line = new StringBuilder();
            for (int c = socket.getInputStream().read();
                    c >= 0 && c != '\n';
                    c = socket.getInputStream().read()) {
                line.append((char) c);
            }
            return line.toString().strip();
        }
    }

    @Test
    void theActuatorExposesOnlyHealthInfoAndMetricsOnTheManagementPort() {
        String token = outsider();

        assertThat(management.get(null, "/actuator/health").status()).isEqualTo(200);
        assertThat(management.get(null, "/actuator/info").status()).isEqualTo(200);
        assertThat(metrics()).contains("jvm_memory_used_bytes", "application=\"api-gateway\"");
        for (String endpoint : new String[] {
            "env", "beans", "configprops", "heapdump", "threaddump", "loggers", "mappings", "metrics", "shutdown"
        }) {
            assertThat(management.get(null, "/actuator/" + endpoint).status())
                    .as(endpoint)
                    .isEqualTo(401);
            assertThat(management.get(token, "/actuator/" + endpoint).status())
                    .as(endpoint)
                    .isEqualTo(404);
        }
        assertThat(management.get(null, "/actuator/health").text()).doesNotContain("components", "details");
    }

    @Test
    void theApiPortDoesNotServeTheActuator() {
        assertThat(managementPort).isNotEqualTo(port);
        for (String endpoint : new String[] {"health", "health/readiness", "info", "prometheus"}) {
            Answer answer = api.get(null, "/actuator/" + endpoint, Map.of("Accept", "text/plain, application/json"));

            assertProblem(answer, 404);
            assertThat(answer.text()).as(endpoint).doesNotContain("jvm_", "\"status\":\"UP\"");
        }
    }

    private static Set<String> methods(String allow) {
        return Arrays.stream(allow.split(",")).map(String::strip).collect(Collectors.toSet());
    }

    private URI uri(String path) {
        return URI.create("http://localhost:" + port + path);
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
