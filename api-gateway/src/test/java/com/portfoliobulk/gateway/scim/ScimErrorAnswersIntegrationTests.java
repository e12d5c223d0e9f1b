package com.portfoliobulk.gateway.scim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import com.portfoliobulk.gateway.support.DatabaseOutage;
import com.portfoliobulk.gateway.web.InternalErrors;
import com.portfoliobulk.gateway.web.RequestIds;
import com.portfoliobulk.testsupport.DatabaseEndpoint;
import com.portfoliobulk.testsupport.LockWaits;
import com.portfoliobulk.testsupport.LogLines;
import com.portfoliobulk.testsupport.SharedInfrastructure;
import java.io.ByteArrayInputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;

/**
 * Every error under the SCIM base path is a SCIM error (RFC 7644 section 3.12), also those Spring
 * MVC decides before a SCIM endpoint is chosen (unknown path, wrong method, media types) and a
 * compressed body, and a database outage (503 with {@code Retry-After}); the API's own paths keep
 * their problem answers.
 */
class ScimErrorAnswersIntegrationTests extends ScimIntegrationTest {

    @Autowired
    private DataSource dataSource;

    @Test
    void anUnknownScimPathIsAScimNotFound() {
        assertScimError(scim(HttpMethod.GET, base() + "/Groups", null), 404, null);
        assertScimError(scim(HttpMethod.GET, users() + "/" + UUID.randomUUID() + "/extra", null), 404, null);
        assertScimError(scim(HttpMethod.GET, "/%73cim/v2/portfolios/" + portfolio.id() + "/Groups", null), 404, null);
    }

    @Test
    void aQueryStringThatDoesNotDecodeIsAScimInvalidValueNamingIt() {
        Scim answer = scim(HttpMethod.GET, users() + "?filter=%FF%FE", null);

        assertScimError(answer, 400, "invalidValue");
        assertThat(answer.json().path("detail").asString()).startsWith("Invalid 'query string': cannot be decoded");
    }

    /**
     * More parameters than the gateway reads ({@code server.tomcat.max-parameter-count}, 2,500) are a 400
     * naming the limit: it said the query string could not be decoded.
     */
    @Test
    void moreParametersThanTheGatewayReadsIsAScimInvalidValueNamingTheLimit() {
        Scim answer = scim(HttpMethod.GET, users() + "?" + "a&".repeat(2501), null);

        assertScimError(answer, 400, "invalidValue");
        assertThat(answer.json().path("detail").asString())
                .contains("more than 2500 parameters", "server.tomcat.max-parameter-count");
    }

    @Test
    void aWrongMethodIsAScimMethodNotAllowedWithTheAllowedMethods() {
        Scim answer = scim(HttpMethod.DELETE, users(), null);

        assertScimError(answer, 405, null);
        assertThat(answer.headers().getAllow()).contains(HttpMethod.GET, HttpMethod.POST);
        assertThat(answer.json().path("detail").asString()).contains("DELETE");
    }

    @Test
    void traceIsAScimMethodNotAllowed() {
        Scim answer = scim(HttpMethod.TRACE, users(), null);

        assertScimError(answer, 405, null);
        assertThat(answer.headers().getAllow()).contains(HttpMethod.GET, HttpMethod.POST);
    }

    @Test
    void aMethodTheSecurityFirewallRefusesIsAScimMethodNotAllowed() {
        // No endpoint anywhere takes PROPFIND: refused before the SCIM filters, with no scimType (a 400's).
        Scim answer = scim(HttpMethod.valueOf("PROPFIND"), users(), null);

        assertScimError(answer, 405, null);
        assertThat(answer.headers().getAllow()).contains(HttpMethod.GET, HttpMethod.POST);
    }

    @Test
    void aBodyOfAnotherMediaTypeIsAScimUnsupportedMediaType() {
        Scim answer = send(HttpMethod.POST, users(), MediaType.APPLICATION_XML_VALUE, "<User/>", null);

        assertScimError(answer, 415, null);
        assertThat(answer.json().path("detail").asString()).contains("application/scim+json");
    }

    @Test
    void aCompressedBodyIsAScimUnsupportedMediaType() {
        Scim answer = send(HttpMethod.POST, users(), SCIM_JSON, "{}", "gzip");

        assertScimError(answer, 415, null);
        assertThat(answer.headers().getFirst(HttpHeaders.ACCEPT_ENCODING)).isEqualTo("identity");
        assertThat(answer.json().path("detail").asString()).contains("Content-Encoding", "uncompressed");
    }

    /**
     * A SCIM body is read as a whole JSON tree, which an attribute ignored but full of empty objects
     * makes far larger than the body: under the SCIM base path the cap is {@code
     * bulk.gateway.web.max-scim-request-body} (64 KiB), which no User, PatchOp or SearchRequest an
     * identity provider sends reaches. A body one byte over it is a SCIM 413, declared or chunked, for
     * every SCIM endpoint that reads a body, and on a path with a percent-encoded letter too (which
     * reaches the same endpoint; it was answered as the API's problem); one of exactly 64 KiB is read as
     * before.
     */
    @Test
    void aScimBodyOverTheScimCapIsAScimContentTooLargeAndOneAtTheCapIsRead() throws Exception {
        int cap = 64 * 1024;
        byte[] over = userWithIgnoredObjects("over@example.test", cap + 1);
        byte[] atCap = userWithIgnoredObjects("at-cap@example.test", cap);

        Scim declared = sendRaw(java.net.http.HttpRequest.BodyPublishers.ofByteArray(over));
        Scim chunked =
                sendRaw(java.net.http.HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(over)));
        String overText = new String(over, StandardCharsets.UTF_8);
        Scim search = scim(HttpMethod.POST, users() + "/.search", overText);
        Scim put = scim(HttpMethod.PUT, users() + "/" + UUID.randomUUID(), overText);
        Scim patch = scim(HttpMethod.PATCH, users() + "/" + UUID.randomUUID(), overText);
        Scim encoded = scim(HttpMethod.POST, "/%73cim/v2/portfolios/" + portfolio.id() + "/Users", overText);

        for (Scim tooLarge : List.of(declared, chunked, search, put, patch, encoded)) {
            assertScimError(tooLarge, 413, null);
            assertThat(tooLarge.json().path("detail").asString())
                    .isEqualTo("The request body may be at most " + cap + " bytes.");
        }
        assertThat(jdbc.sql("SELECT count(*) FROM directory.users WHERE email = 'over@example.test'")
                        .query(Long.class)
                        .single())
                .isZero();
        Scim created =
                sendRaw(java.net.http.HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(atCap)));
        assertThat(created.status()).as(created.text()).isEqualTo(201);
        assertThat(created.json().path("userName").asString()).isEqualTo("at-cap@example.test");
    }

    /** A User resource of exactly {@code size} bytes, padded with an attribute of empty objects, ignored. */
    private static byte[] userWithIgnoredObjects(String userName, int size) {
        String head = "{\"schemas\":[\"urn:ietf:params:scim:schemas:core:2.0:User\"],\"userName\":\"" + userName
                + "\",\"x\":[{}";
        int objects = (size - head.length() - 2) / 3;
        String body = head + ",{}".repeat(objects) + " ".repeat(size - head.length() - 2 - 3 * objects) + "]}";
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        assertThat(bytes).hasSize(size);
        return bytes;
    }

    /**
     * A SCIM body is never a large body: under the SCIM base path it is at most {@code
     * bulk.gateway.web.max-scim-request-body} (64 KiB), so one sent chunked (without a declared length)
     * counts as that (three times over, as a tree), a small body, which the large bodies holding all of
     * {@code bulk.gateway.web.max-body-bytes-in-flight} do not hold up, as none with a declared length.
     * While four submissions of four callers that send the head of a 5 MB body and wait hold all of it
     * (a large submission finds it used up: 503), the identity provider's chunked bodies are served: a
     * new user and a search. Before, each counted as the API's largest body (5 MB), waited for the
     * budget, then answered 503; and one being read held half of its token's share.
     */
    @Test
    void aChunkedScimBodyIsServedWhileLargeBodiesHoldTheBodyBudget() throws Exception {
        byte[] user =
                "{\"schemas\":[\"urn:ietf:params:scim:schemas:core:2.0:User\"],\"userName\":\"chunked@example.test\"}"
                        .getBytes(StandardCharsets.UTF_8);
        byte[] search = ("{\"schemas\":[\"urn:ietf:params:scim:api:messages:2.0:SearchRequest\"],"
                        + "\"filter\":\"userName eq \\\"chunked@example.test\\\"\"}")
                .getBytes(StandardCharsets.UTF_8);
        String invalidLarge = "{\"type\":\"INVITE_USERS\",\"emails\":[],\"accounts\":[]}" + " ".repeat(100 * 1024);
        List<Socket> slow = new ArrayList<>();
        try {
            for (int i = 0; i < 4; i++) {
                // Each of a portfolio of its own: a portfolio's submissions are few here (3 per 4 s).
                UUID other = directory.portfolio().id();
                Socket socket = new Socket("localhost", port);
                slow.add(socket);
                String head = "POST " + jobsPath(other) + " HTTP/1.1\r\nHost: localhost\r\n"
                        + "Authorization: Bearer " + editor(other) + "\r\n"
                        + "Idempotency-Key: " + UUID.randomUUID() + "\r\n"
                        + "Content-Type: application/json\r\nContent-Length: " + 5 * 1024 * 1024 + "\r\n\r\n"
                        + "{\"type\":\"INVITE_USERS\",\"emails\":[";
                socket.getOutputStream().write(head.getBytes(StandardCharsets.UTF_8));
                socket.getOutputStream().flush();
            }
            // Once the four are being read, a large body finds the budget used up (a body that is not
            // valid, so that an answer before then changes nothing either).
            await().atMost(Duration.ofSeconds(30))
                    .untilAsserted(() -> assertThat(api.post(
                                            admin(portfolio.id()),
                                            jobsPath(portfolio.id()),
                                            UUID.randomUUID().toString(),
                                            invalidLarge)
                                    .status())
                            .isEqualTo(503));

            Scim created = sendRaw(users(), chunked(user));
            Scim found = sendRaw(users() + "/.search", chunked(search));

            assertThat(created.status()).as(created.text()).isEqualTo(201);
            assertThat(created.json().path("userName").asString()).isEqualTo("chunked@example.test");
            assertThat(found.status()).as(found.text()).isEqualTo(200);
            assertThat(found.json().path("totalResults").asInt()).isOne();
        } finally {
            for (Socket socket : slow) {
                socket.close();
            }
        }
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(api.post(
                                        admin(portfolio.id()),
                                        jobsPath(portfolio.id()),
                                        UUID.randomUUID().toString(),
                                        invalidLarge)
                                .status())
                        .isNotEqualTo(503));
    }

    /** A body sent chunked: without a declared length. */
    private static java.net.http.HttpRequest.BodyPublisher chunked(byte[] body) {
        return java.net.http.HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body));
    }

    private Scim sendRaw(java.net.http.HttpRequest.BodyPublisher body) throws Exception {
        return sendRaw(users(), body);
    }

    private Scim sendRaw(String path, java.net.http.HttpRequest.BodyPublisher body) throws Exception {
        java.net.http.HttpResponse<String> response = HttpClient.newHttpClient()
                .send(
                        java.net.http.HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                                .header(HttpHeaders.AUTHORIZATION, "Bearer " + scimToken)
                                .header(HttpHeaders.ACCEPT, SCIM_JSON)
                                .header(HttpHeaders.CONTENT_TYPE, SCIM_JSON)
                                .POST(body)
                                .build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString());
        HttpHeaders headers = new HttpHeaders();
        response.headers().map().forEach(headers::addAll);
        String text = response.body();
        return new Scim(response.statusCode(), headers, text.isBlank() ? null : JSON.readTree(text), text);
    }

    /**
     * While the database is unreachable, the token cannot be checked: a SCIM request answers a SCIM 503
     * with {@code Retry-After}, as the API answers an outage, logged as one WARN line; once the database
     * is back, it answers again.
     */
    @Test
    void aScimRequestWhileTheDatabaseIsUnreachableIsAScimServiceUnavailableUntilItIsBack() throws Exception {
        assertThat(scim(HttpMethod.GET, users(), null).status()).isEqualTo(200);

        try (LogLines log = LogLines.of(ScimErrors.class.getPackageName())) {
            Scim answer;
            try (DatabaseOutage outage = DatabaseOutage.of(jdbc)) {
                outage.begin();
                answer = scim(HttpMethod.GET, users(), null);
            }

            assertUnavailable(answer);
            assertOneWarning(log);
        }
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() ->
                        assertThat(scim(HttpMethod.GET, users(), null).status()).isEqualTo(200));
    }

    /**
     * A request whose token was checked, but whose transaction cannot begin because the database went
     * away meanwhile (here while the request waited in the portfolio's rate limit, whose row the test
     * holds), answers the same SCIM 503 with {@code Retry-After}, not a 500.
     */
    @Test
    void aScimRequestWhoseTransactionCannotBeginIsAScimServiceUnavailable() throws Exception {
        // Makes the portfolio's SCIM rate limit row, for the test to hold.
        assertThat(scim(HttpMethod.GET, users(), null).status()).isEqualTo(200);
        DatabaseEndpoint shared = SharedInfrastructure.database();

        try (LogLines log = LogLines.of(ScimErrors.class.getPackageName());
                ExecutorService client = Executors.newSingleThreadExecutor();
                Connection holder =
                        DriverManager.getConnection(shared.jdbcUrl(), shared.username(), shared.password())) {
            holder.setAutoCommit(false);
            try (PreparedStatement lock = holder.prepareStatement(
                    "SELECT 1 FROM jobs.portfolio_rate_limits WHERE portfolio_id = ? FOR UPDATE")) {
                lock.setObject(1, portfolio.id());
                lock.executeQuery().close();
            }
            Future<Scim> waiting = client.submit(() -> scim(HttpMethod.GET, users(), null));
            Scim answer;
            try (DatabaseOutage outage = DatabaseOutage.of(jdbc, holder)) {
                // The token is checked; the request waits for the rate limit's row. Then the outage begins.
                LockWaits.awaitLockWait(dataSource, "portfolio_rate_limits", Duration.ofSeconds(4));
                outage.begin();
                answer = waiting.get(30, TimeUnit.SECONDS);
            } finally {
                holder.rollback();
            }

            assertUnavailable(answer);
            assertOneWarning(log);
        }
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() ->
                        assertThat(scim(HttpMethod.GET, users(), null).status()).isEqualTo(200));
    }

    /**
     * A SCIM request that fails unexpectedly answers a SCIM 500 whose detail quotes an error id, and the
     * log has the failure under that id in the line the runbook searches for, {@code Unexpected error
     * <id> while handling a request}, as for the API's 500: here the database refuses, as no outage
     * does, to note the token's use (in the security filter, so the error page answers) and then to
     * record a new user (in the endpoint). The line carries the answer's request id too. Before, the detail said only "The request failed
     * unexpectedly." and the log line was "SCIM request failed": the identity provider's administrator
     * had no id to quote, and the runbook's search found nothing.
     */
    @Test
    void aScimRequestThatFailsUnexpectedlyQuotesTheErrorIdItsLogLineHas() {
        jdbc.sql("""
                        CREATE FUNCTION jobs.test_failed_write() RETURNS trigger LANGUAGE plpgsql AS $$
                        BEGIN RAISE EXCEPTION 'the write fails (raised by the test)'; END $$
                        """).update();
        try {
            jdbc.sql("CREATE TRIGGER test_failed_write BEFORE UPDATE ON jobs.scim_tokens FOR EACH ROW"
                            + " WHEN (OLD.portfolio_id = '" + portfolio.id() + "')"
                            + " EXECUTE FUNCTION jobs.test_failed_write()")
                    .update();
            assertInternalErrorQuotingItsLogLine(() -> scim(HttpMethod.GET, users(), null));
            jdbc.sql("DROP TRIGGER test_failed_write ON jobs.scim_tokens").update();

            jdbc.sql("CREATE TRIGGER test_failed_write BEFORE INSERT ON jobs.scim_users FOR EACH ROW"
                            + " WHEN (NEW.portfolio_id = '" + portfolio.id() + "')"
                            + " EXECUTE FUNCTION jobs.test_failed_write()")
                    .update();
            assertInternalErrorQuotingItsLogLine(
                    () -> scim(HttpMethod.POST, users(), """
                    {"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"%s"}""".formatted(portfolio.email("failed"))));
        } finally {
            jdbc.sql("DROP TRIGGER IF EXISTS test_failed_write ON jobs.scim_tokens")
                    .update();
            jdbc.sql("DROP TRIGGER IF EXISTS test_failed_write ON jobs.scim_users")
                    .update();
            jdbc.sql("DROP FUNCTION jobs.test_failed_write()").update();
        }
    }

    private static void assertInternalErrorQuotingItsLogLine(Supplier<Scim> request) {
        Scim answer;
        List<ILoggingEvent> lines;
        try (LogLines log = LogLines.of(ScimErrors.class.getPackageName());
                LogLines internalErrors = LogLines.of(InternalErrors.class.getName())) {
            answer = request.get();
            lines = Stream.concat(log.lines().stream(), internalErrors.lines().stream())
                    .filter(line -> line.getLevel().isGreaterOrEqual(Level.WARN))
                    .toList();
        }

        assertScimError(answer, 500, null);
        String detail = answer.json().path("detail").asString();
        Matcher quoted = Pattern.compile("Quote error id ([0-9a-f-]{36}) when reporting it\\.")
                .matcher(detail);
        assertThat(quoted.find()).as(detail).isTrue();
        assertThat(answer.text()).doesNotContain("raised by the test");
        assertThat(lines).as("%s", lines).singleElement().satisfies(line -> {
            assertThat(line.getLevel()).isEqualTo(Level.ERROR);
            assertThat(line.getFormattedMessage())
                    .isEqualTo("Unexpected error " + quoted.group(1) + " while handling a request");
            assertThat(line.getThrowableProxy()).isNotNull();
            assertThat(line.getMDCPropertyMap())
                    .containsEntry(RequestIds.KEY, answer.headers().getFirst(RequestIds.HEADER));
        });
    }

    private static void assertUnavailable(Scim answer) {
        assertScimError(answer, 503, null);
        assertThat(answer.headers().getFirst(HttpHeaders.RETRY_AFTER)).isEqualTo("5");
        assertThat(answer.json().path("detail").asString()).contains("database", "try again");
    }

    private static void assertOneWarning(LogLines log) {
        List<ILoggingEvent> lines = log.lines().stream()
                .filter(line -> line.getLevel().isGreaterOrEqual(Level.WARN))
                .toList();
        assertThat(lines).as("%s", lines).singleElement().satisfies(line -> {
            assertThat(line.getLevel()).isEqualTo(Level.WARN);
            assertThat(line.getFormattedMessage()).startsWith("Answering 503: ");
            assertThat(line.getThrowableProxy()).isNull();
        });
    }

    @Test
    void anAnswerTheClientCannotAcceptIsAScimNotAcceptable() {
        Scim answer = http.get()
                .uri(URI.create("http://localhost:" + port + users()))
                .headers(headers -> {
                    headers.setBearerAuth(scimToken);
                    headers.set(HttpHeaders.ACCEPT, MediaType.APPLICATION_XML_VALUE);
                })
                .exchange((request, response) -> answer(response));

        assertScimError(answer, 406, null);
    }

    @Test
    void aRequestTheSecurityFirewallRefusesIsAScimBadRequest() {
        // A semicolon in the path: refused by Spring Security's firewall, answered by the error page.
        assertScimError(scim(HttpMethod.GET, users() + ";x=1", null), 400, null);
        assertScimError(
                scim(HttpMethod.GET, "/%73cim/v2/portfolios/" + portfolio.id() + "/Users;x=1", null), 400, null);
    }

    @Test
    void theApisOwnPathsKeepTheirProblemAnswers() {
        var answer = api.delete(admin(portfolio.id()), jobsPath(portfolio.id()));

        assertThat(answer.status()).isEqualTo(405);
        assertThat(answer.contentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
        assertThat(api.get(admin(portfolio.id()), "/api/v1/portfolios/" + portfolio.id() + "/accounts;x=1")
                        .contentType())
                .isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
    }

    private Scim send(HttpMethod method, String path, String contentType, String body, String contentEncoding) {
        return http.method(method)
                .uri(URI.create("http://localhost:" + port + path))
                .headers(headers -> {
                    headers.setBearerAuth(scimToken);
                    headers.set(HttpHeaders.ACCEPT, SCIM_JSON);
                    headers.set(HttpHeaders.CONTENT_TYPE, contentType);
                    if (contentEncoding != null) {
                        headers.set(HttpHeaders.CONTENT_ENCODING, contentEncoding);
                    }
                })
                .body(body)
                .exchange((request, response) -> answer(response));
    }
}
