package com.portfoliobulk.gateway.invitations;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.spi.ILoggingEvent;
import com.portfoliobulk.gateway.support.GatewayCalls.Answer;
import com.portfoliobulk.gateway.support.StubbedServicesIntegrationTest;
import com.portfoliobulk.gateway.web.ProblemAdvice;
import com.portfoliobulk.internalauth.InternalTokens;
import com.portfoliobulk.testsupport.LogLines;
import com.portfoliobulk.testsupport.TestTokens;
import io.micrometer.common.KeyValue;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.transport.RequestReplyReceiverContext;
import io.micrometer.observation.transport.RequestReplySenderContext;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * The public invitation acceptance, up to a stand-in for the bulk-worker (the worker's own side is
 * tested in bulk-worker; the whole path end to end in local-stack).
 */
class InvitationAcceptanceRouteIntegrationTests extends StubbedServicesIntegrationTest {

    private static final String INVITEE = "Invitee@Brand.Example";

    /** The HTTP observations stopped while a test records; registries cannot remove handlers, so it switches off. */
    private static final Recorder RECORDER = new Recorder();

    @Autowired
    MeterRegistry meters;

    @Autowired
    ObservationRegistry observations;

    /** Any signed-in user: no portfolio permission is needed to accept an invitation. */
    private final String invitee = TestTokens.token(UUID.randomUUID(), INVITEE, UUID.randomUUID());

    @Test
    void needsABearerToken() {
        Answer answer = accept(null, token("accepted"));

        assertProblem(answer, 401);
        assertThat(answer.header("WWW-Authenticate")).startsWith("Bearer");
    }

    @Test
    void theInviteeAcceptsWithTheAddressOfTheirTokenAndGetsTheMembership() {
        String token = token("accepted");

        Answer answer = accept(invitee, token);

        assertThat(answer.status()).as(answer.text()).isEqualTo(200);
        assertThat(answer.body().path("state").asString()).isEqualTo("ACTIVE");
        assertThat(answer.body().path("role").asString()).isEqualTo("ANALYST");
        assertThat(answer.body().path("accountId").asString()).isNotBlank();
        assertThat(worker.bodyFor(token)).isEqualTo("{\"email\":\"invitee@brand.example\"}");
    }

    /**
     * The call carries a token for the worker signed with the secret of the gateway's link to the worker
     * ({@code BULK_WORKER_TOKEN_SECRET}): a worker holding only the audit-consumer's link secret, or the
     * gateway's own, refuses it, and so does the audit-consumer.
     */
    @Test
    void theWorkerIsCalledWithAValidInternalTokenAndTheRequestId() {
        String token = token("accepted");

        Answer answer = accept(invitee, token);

        assertThat(answer.status()).as(answer.text()).isEqualTo(200);
        Map<String, String> received = worker.headersFor(token);
        assertThat(received.get("authorization")).startsWith("Bearer ");
        String internalToken = received.get("authorization").substring("Bearer ".length());
        assertThat(InternalTokens.forAudience(InternalTokens.BULK_WORKER, WORKER_LINK_SECRET, "bulk-worker")
                        .isValid(internalToken))
                .as("as the worker checks it, with the secret of the gateway's link to it")
                .isTrue();
        assertThat(InternalTokens.forAudience(InternalTokens.BULK_WORKER, AUDIT_LINK_SECRET, "bulk-worker")
                        .isValid(internalToken))
                .as("at a worker with the secret of the link to the audit-consumer")
                .isFalse();
        assertThat(InternalTokens.forAudience(InternalTokens.BULK_WORKER, TestTokens.INTERNAL_SECRET, "bulk-worker")
                        .isValid(internalToken))
                .as("at a worker with the gateway's own secret")
                .isFalse();
        assertThat(InternalTokens.forAudience(InternalTokens.AUDIT_CONSUMER, WORKER_LINK_SECRET, "audit-consumer")
                        .isValid(internalToken))
                .as("at an audit-consumer, even with the worker's secret")
                .isFalse();
        assertThat(internalToken).as("not the caller's token").isNotEqualTo(invitee);
        assertThat(received.get("x-request-id")).isEqualTo(answer.header("X-Request-Id"));
    }

    /**
     * The worker gets the token's address as typed when it is no address invitations are sent to, and
     * so finds it another address than the invitee's: U+212A KELVIN SIGN lower-cases to k, and a token
     * saying "\u212Aate@..." was passed on as kate's address.
     */
    @Test
    void anAddressInvitationsCannotBeSentToIsPassedOnAsTyped() {
        String token = token("accepted");
        String lookalike = "\u212Aate@brand.example";

        accept(TestTokens.token(UUID.randomUUID(), lookalike, UUID.randomUUID()), token);

        assertThat(worker.bodyFor(token))
                .isNotNull()
                .doesNotContain("kate@brand.example")
                .contains("ate@brand.example");
    }

    /**
     * Accepting needs only the token's address: an identity provider's {@code sub} that is no user id of
     * the product (Auth0's {@code auth0|...}) accepts, while the same token is refused (403, naming
     * {@code sub}) for anything that needs a user id, such as a portfolio's accounts, whatever its
     * {@code portfolios} claim says. The acceptance was refused with 403 too.
     */
    @Test
    void aTokenWhoseSubIsNoUserIdOfTheProductAcceptsAndAdministersNothing() {
        String token = token("accepted");
        UUID portfolio = directory.portfolio().id();
        String auth0 = TestTokens.withSubject("auth0|abc123", INVITEE, portfolio, "OWNER");

        Answer accepted = accept(auth0, token);

        assertThat(accepted.status()).as(accepted.text()).isEqualTo(200);
        assertThat(worker.bodyFor(token)).isEqualTo("{\"email\":\"invitee@brand.example\"}");
        Answer accounts = api.get(auth0, "/api/v1/portfolios/" + portfolio + "/accounts");
        assertProblem(accounts, 403);
        assertThat(accounts.body().path("detail").asString()).contains("'sub'");
    }

    @Test
    void anAddressTheTokenSaysIsNotVerifiedCannotAcceptAndTheWorkerIsNotAsked() throws Exception {
        String token = token("accepted");

        Answer unverified = accept(TestTokens.withEmailVerified(UUID.randomUUID(), INVITEE, false), token);

        assertProblem(unverified, 403);
        assertThat(unverified.body().path("detail").asString()).contains("not verified");
        assertThat(worker.bodyFor(token)).isNull();
        Answer verified = accept(TestTokens.withEmailVerified(UUID.randomUUID(), INVITEE, true), token);
        assertThat(verified.status()).as(verified.text()).isEqualTo(200);
    }

    @Test
    void anInvitationForAnotherAddressIsForbiddenWithoutSayingWhose() {
        Answer answer = accept(invitee, token("mismatch"));

        assertProblem(answer, 403);
        assertThat(answer.body().path("detail").asString()).contains("another e-mail address");
    }

    @Test
    void anExpiredRevokedOrUsedTokenIsGone() {
        assertProblem(accept(invitee, token("expired")), 410);
        Answer unknown = accept(invitee, token("unknown"));
        assertProblem(unknown, 410);
        assertThat(unknown.body().path("type").asString()).isEqualTo("urn:portfolio-bulk:problem:gone");
    }

    @Test
    void somethingThatCannotBeATokenIsGoneWithoutAskingTheWorker() {
        String tooShort = "accepted-1";

        assertProblem(accept(invitee, tooShort), 410);
        assertProblem(accept(invitee, "accepted-" + "x".repeat(200)), 410);
        assertThat(worker.bodyFor(tooShort)).isNull();
    }

    @Test
    void aPathTheFirewallRefusesIsABadRequestProblem() {
        // Spring Security's firewall refuses encoded dots; the error page answers a problem too.
        Answer answer = accept(invitee, "accepted-%2E%2E-0000000000000000");

        assertProblem(answer, 400);
        assertThat(answer.body().path("instance").asString()).startsWith("/api/v1/invitations/");
    }

    @Test
    void whileTheWorkerCannotAnswerItIs503WithRetryAfter() {
        for (String token : new String[] {token("dropped"), token("failing")}) {
            Answer answer = accept(invitee, token);

            assertProblem(answer, 503);
            assertThat(answer.header("Retry-After")).isEqualTo("5");
        }
    }

    @Test
    void callsToTheWorkerAreTimedWithTheirUriTemplateAndStatus() {
        accept(invitee, token("accepted"));
        accept(invitee, token("expired"));

        assertThat(meters.find("http.client.requests")
                        .tag("uri", "/internal/invitations/{token}/accept")
                        .tag("status", "200")
                        .timer())
                .isNotNull()
                .satisfies(timer -> assertThat(timer.count()).isPositive());
        assertThat(meters.find("http.client.requests")
                        .tag("uri", "/internal/invitations/{token}/accept")
                        .tag("status", "410")
                        .timer())
                .isNotNull();
    }

    /**
     * The token is in no span of an acceptance, nor of the console's invitation page: the server's and
     * the client's {@code http.url} (the tags their spans are given when they stop) name the path with
     * the placeholder instead, as the {@code uri} tag does.
     */
    @Test
    void theTokenIsInNoSpanOfTheAcceptanceOnlyItsPlaceholder() {
        record();
        String token = token("accepted");
        String pageToken = token("accepted");

        Answer answer = accept(invitee, token);
        Answer page = api.get(null, "/invitations/" + pageToken);

        assertThat(answer.status()).as(answer.text()).isEqualTo(200);
        assertThat(page.status()).isLessThan(500);
        // The server observation stops once its answer is written, maybe after the client has read it.
        Awaitility.await()
                .atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(RECORDER.stopped)
                        .extracting(Stopped::url)
                        .anySatisfy(url -> assertThat(url).startsWith("/api/v1/invitations/"))
                        .anySatisfy(url -> assertThat(url).startsWith("/invitations/"))
                        .anySatisfy(url -> assertThat(url).contains("/internal/invitations/")));
        List<Stopped> stopped = List.copyOf(RECORDER.stopped);
        assertThat(stopped)
                .extracting(Stopped::url)
                .contains(
                        "/api/v1/invitations/{token}/accept",
                        "/invitations/{token}",
                        worker.baseUrl() + "/internal/invitations/{token}/accept");
        assertThat(stopped)
                .flatExtracting(Stopped::values)
                .as("every key value and name of the HTTP observations")
                .isNotEmpty()
                .noneSatisfy(value -> assertThat(value).contains(token))
                .noneSatisfy(value -> assertThat(value).contains(pageToken));
    }

    /**
     * Nor does a call the worker drops: the client's network error, recorded on the call's span (its
     * exception event, with the stack trace) and logged with the 503 it becomes, names the worker's
     * path with the placeholder.
     */
    @Test
    void aCallTheWorkerDropsNamesNoTokenInItsSpanOrItsLogLine() {
        record();
        String token = token("dropped");

        Answer answer;
        List<String> logged;
        try (LogLines lines = LogLines.of(ProblemAdvice.class.getName())) {
            answer = accept(invitee, token);
            logged = lines.lines().stream()
                    .map(ILoggingEvent::getFormattedMessage)
                    .toList();
        }

        assertProblem(answer, 503);
        Awaitility.await()
                .atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(RECORDER.stopped)
                        .extracting(Stopped::error)
                        .anySatisfy(error -> assertThat(error).contains("I/O error on POST request")));
        List<Stopped> stopped = List.copyOf(RECORDER.stopped);
        assertThat(stopped)
                .extracting(Stopped::error)
                .anySatisfy(error -> assertThat(error)
                        .contains(worker.baseUrl() + "/internal/invitations/{token}/accept")
                        .doesNotContain(token));
        assertThat(stopped)
                .flatExtracting(Stopped::values)
                .as("every key value, name and error of the HTTP observations")
                .noneSatisfy(value -> assertThat(value).contains(token));
        assertThat(logged)
                .anySatisfy(line -> assertThat(line).contains("Answering 503", "/internal/invitations/{token}/accept"))
                .noneSatisfy(line -> assertThat(line).contains(token));
    }

    /**
     * The worker's error answer is a problem naming the request's path, token and all, as its
     * {@code instance}; the client's exception for it quotes the body, and is recorded on the call's span
     * and, for a 500, logged with the 503 it becomes. An invitee signed in with another address (403)
     * leaves the invitation pending: its token still works.
     */
    @ParameterizedTest
    @ValueSource(strings = {"mismatch", "failing"})
    void anErrorAnswerOfTheWorkerNamesNoTokenInTheSpanOrTheLog(String outcome) {
        record();
        String token = token(outcome);

        List<String> logged;
        try (LogLines lines = LogLines.of(ProblemAdvice.class.getName())) {
            accept(invitee, token);
            logged = lines.lines().stream()
                    .map(ILoggingEvent::getFormattedMessage)
                    .toList();
        }

        Awaitility.await()
                .atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(RECORDER.stopped)
                        .extracting(Stopped::error)
                        .anySatisfy(error -> assertThat(error).contains("/internal/invitations/{token}/accept")));
        assertThat(List.copyOf(RECORDER.stopped))
                .flatExtracting(Stopped::values)
                .as("every key value, name and error of the HTTP observations")
                .noneSatisfy(value -> assertThat(value).contains(token));
        assertThat(logged).noneSatisfy(line -> assertThat(line).contains(token));
    }

    @AfterEach
    void stopRecording() {
        RECORDER.recording = false;
        RECORDER.stopped.clear();
    }

    private void record() {
        synchronized (RECORDER) {
            if (!RECORDER.registered) {
                observations.observationConfig().observationHandler(RECORDER);
                RECORDER.registered = true;
            }
        }
        RECORDER.stopped.clear();
        RECORDER.recording = true;
    }

    private Answer accept(String bearer, String token) {
        return api.post(bearer, "/api/v1/invitations/" + token + "/accept", null, null);
    }

    private static String token(String outcome) {
        return outcome + "-" + UUID.randomUUID();
    }

    /**
     * An HTTP observation as its span is tagged: its {@code http.url}; its name, every key value and its
     * error with its stack trace (the span's exception event), if any.
     */
    private record Stopped(String url, String error, List<String> values) {}

    private static final class Recorder implements ObservationHandler<Observation.Context> {

        final Queue<Stopped> stopped = new ConcurrentLinkedQueue<>();

        volatile boolean recording;

        boolean registered;

        @Override
        public void onStop(Observation.Context context) {
            List<String> values = new ArrayList<>();
            values.add(context.getName());
            if (context.getContextualName() != null) {
                values.add(context.getContextualName());
            }
            context.getLowCardinalityKeyValues().forEach(keyValue -> values.add(keyValue.getValue()));
            context.getHighCardinalityKeyValues().forEach(keyValue -> values.add(keyValue.getValue()));
            String error = null;
            if (context.getError() != null) {
                StringWriter trace = new StringWriter();
                context.getError().printStackTrace(new PrintWriter(trace));
                error = trace.toString();
                values.add(error);
            }
            KeyValue url = context.getHighCardinalityKeyValue("http.url");
            stopped.add(new Stopped(url == null ? "" : url.getValue(), error, values));
        }

        @Override
        public boolean supportsContext(Observation.Context context) {
            return recording
                    && (context instanceof RequestReplyReceiverContext<?, ?>
                            || context instanceof RequestReplySenderContext<?, ?>);
        }
    }
}
