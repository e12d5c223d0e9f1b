package com.portfoliobulk.worker.invitations;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.contracts.EmailAddresses;
import com.portfoliobulk.testsupport.DirectorySeed;
import com.portfoliobulk.testsupport.TestTokens;
import com.portfoliobulk.worker.WorkerIntegrationSupport;
import io.micrometer.common.KeyValue;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.transport.RequestReplyReceiverContext;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;
import org.springframework.web.client.RestClient;

/** The worker's internal invitation acceptance against the real directory. */
class InvitationAcceptanceIntegrationTests extends WorkerIntegrationSupport {

    @LocalServerPort
    int port;

    /** The server observations stopped while a test records; registries cannot remove handlers, so it switches off. */
    private static final Recorder RECORDER = new Recorder();

    @Autowired
    ObservationRegistry observations;

    private RestClient http;

    private UUID portfolio;

    private UUID account;

    private UUID invitee;

    private String email;

    @BeforeEach
    void arrange() {
        http = RestClient.builder()
                .baseUrl("http://localhost:" + port)
                .requestInterceptor((request, body, execution) -> {
                    request.getHeaders().set("Authorization", TestTokens.workerAuthorization());
                    return execution.execute(request, body);
                })
                .build();
        portfolio = UUID.randomUUID();
        account = UUID.randomUUID();
        invitee = UUID.randomUUID();
        email = "invitee." + invitee + "@example.test";
        jdbc.sql("INSERT INTO directory.portfolios (id, name) VALUES (?, 'Invitations')")
                .params(portfolio)
                .update();
        jdbc.sql("INSERT INTO directory.accounts (id, portfolio_id, name) VALUES (?, ?, 'Brand')")
                .params(account, portfolio)
                .update();
        jdbc.sql("INSERT INTO directory.users (id, email) VALUES (?, ?)")
                .params(invitee, email)
                .update();
    }

    @Test
    void theInviteeAcceptsAndTheMembershipBecomesActiveWithTheOfferedRole() {
        String token = invite("ANALYST", Instant.now().plus(7, ChronoUnit.DAYS));

        Answer answer = accept(token, email);

        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.body())
                .contains("\"accountId\":\"" + account + "\"", "\"role\":\"ANALYST\"", "\"state\":\"ACTIVE\"");
        assertThat(membership()).containsEntry("state", "ACTIVE").containsEntry("role", "ANALYST");
        assertThat(membership().get("invitation_token")).isNull();
    }

    @Test
    void theAddressMatchesIgnoringCaseAndSurroundingSpace() {
        String token = invite("SUPPORT", Instant.now().plus(1, ChronoUnit.DAYS));

        assertThat(accept(token, "  " + email.toUpperCase() + " ").status()).isEqualTo(200);
    }

    @Test
    void aTokenCanBeUsedOnlyOnce() {
        String token = invite("MANAGER", Instant.now().plus(7, ChronoUnit.DAYS));
        assertThat(accept(token, email).status()).isEqualTo(200);

        Answer again = accept(token, email);

        assertThat(again.status()).isEqualTo(404);
        assertThat(again.contentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
        assertThat(membership()).containsEntry("state", "ACTIVE");
    }

    @Test
    void anUnknownTokenIsNotFound() {
        assertThat(accept(UUID.randomUUID().toString(), email).status()).isEqualTo(404);
    }

    @Test
    void anExpiredInvitationIsGoneAndStaysPending() {
        String token = invite("ANALYST", Instant.now().minus(1, ChronoUnit.MINUTES));

        Answer answer = accept(token, email);

        assertThat(answer.status()).isEqualTo(410);
        assertThat(membership())
                .containsEntry("state", "INVITED")
                .containsEntry("invitation_token", InvitationTokens.digest(token));
    }

    @Test
    void someoneElseCannotAcceptItAndLearnsNotWhoseItIs() {
        String token = invite("ANALYST", Instant.now().plus(7, ChronoUnit.DAYS));

        Answer answer = accept(token, "someone.else@example.test");

        assertThat(answer.status()).isEqualTo(403);
        assertThat(answer.body()).doesNotContain(email, invitee.toString(), account.toString());
        assertThat(membership())
                .containsEntry("state", "INVITED")
                .containsEntry("invitation_token", InvitationTokens.digest(token));
    }

    /**
     * An address is compared as the caller's token has it, not as it lower-cases: U+212A KELVIN SIGN
     * lower-cases to k, and "\u212Aate@..." accepted kate's invitation. Kate herself still accepts.
     */
    @Test
    void anAddressThatOnlyLowerCasesToTheInviteesIsAnotherAddress() {
        String kate = "kate." + invitee + "@example.test";
        jdbc.sql("UPDATE directory.users SET email = ? WHERE id = ?")
                .params(kate, invitee)
                .update();
        String token = invite("ANALYST", Instant.now().plus(7, ChronoUnit.DAYS));

        Answer lookalike = accept(token, "\u212A" + kate.substring(1));

        assertThat(lookalike.status()).isEqualTo(403);
        assertThat(membership())
                .containsEntry("state", "INVITED")
                .containsEntry("invitation_token", InvitationTokens.digest(token));
        assertThat(accept(token, kate).status()).isEqualTo(200);
    }

    /**
     * An identity provider may write the invitee's domain in Unicode in the token: the invitee invited
     * as {@code anna...@xn--mller-kva.example} accepts with {@code Anna...@M\u00fcller.example}, the same
     * address (it was told the invitation was sent to another address, and could never accept). A
     * name before @ outside ASCII is still another address.
     */
    @Test
    void anAddressWithItsDomainInUnicodeIsTheAddressOfItsXnForm() {
        email = "anna." + invitee + "@xn--mller-kva.example";
        jdbc.sql("UPDATE directory.users SET email = ? WHERE id = ?")
                .params(email, invitee)
                .update();
        String token = invite("ANALYST", Instant.now().plus(7, ChronoUnit.DAYS));

        Answer lookalike = accept(token, "\u00e4nna." + invitee + "@m\u00fcller.example");

        assertThat(lookalike.status()).isEqualTo(403);
        assertThat(membership()).containsEntry("state", "INVITED");

        Answer answer = accept(token, "Anna." + invitee + "@M\u00fcller.example");

        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        assertThat(membership()).containsEntry("state", "ACTIVE").containsEntry("role", "ANALYST");
    }

    /**
     * An invitee stored before the rule of addresses with their domain in Unicode, as it was typed,
     * accepts with the xn-- form the gateway passes a token's address on in, and with the address as
     * stored: they are one address.
     */
    @Test
    void anInviteeStoredBeforeTheRuleWithADomainInUnicodeAcceptsWithItsXnForm() {
        email = "anna." + invitee + "@m\u00fcller.example";
        jdbc.sql("UPDATE directory.users SET email = ? WHERE id = ?")
                .params(email, invitee)
                .update();
        String token = invite("ANALYST", Instant.now().plus(7, ChronoUnit.DAYS));

        Answer answer = accept(token, "anna." + invitee + "@xn--mller-kva.example");

        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        assertThat(membership()).containsEntry("state", "ACTIVE");
    }

    /**
     * An invitee stored before the rule of addresses (when any text with an @ and a dot was taken), whose
     * address breaks it ({@code k\u00f6nig...}, with a letter outside ASCII), accepts their e-mail's link
     * signed in with exactly that address, and sends it again as any invitee: such an address matched
     * none, and they were told the invitation was sent to another address. A text that breaks the rule
     * and is not exactly the address stored, its upper case here, is another address.
     */
    @Test
    void anInviteeStoredBeforeTheRuleAcceptsWithExactlyTheirAddress() {
        email = "k\u00f6nig." + invitee + "@example.test";
        assertThat(EmailAddresses.isValid(email)).as(email).isFalse();
        jdbc.sql("UPDATE directory.users SET email = ? WHERE id = ?")
                .params(email, invitee)
                .update();
        UUID job = UUID.randomUUID();
        String token = message(job);
        invite("ANALYST", Instant.now().plus(7, ChronoUnit.DAYS));
        jdbc.sql("UPDATE directory.memberships SET invitation_job_id = ? WHERE account_id = ? AND user_id = ?")
                .params(job, account, invitee)
                .update();
        String upperCase = email.toUpperCase(Locale.ROOT);

        Answer caseVariant = accept(token, upperCase);

        assertThat(caseVariant.status()).isEqualTo(403);
        assertThat(membership()).containsEntry("state", "INVITED");

        Answer answer = accept(token, email);

        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.body())
                .contains("\"accountId\":\"" + account + "\"", "\"role\":\"ANALYST\"", "\"state\":\"ACTIVE\"");
        assertThat(membership()).containsEntry("state", "ACTIVE").containsEntry("role", "ANALYST");
        assertThat(membership().get("invitation_token")).isNull();
        assertThat(accept(token, email).status()).as("sent again").isEqualTo(200);
        assertThat(accept(token, upperCase).status())
                .as("sent again in upper case")
                .isEqualTo(403);
    }

    /**
     * An invitation seeded as the local stack and the tests seed them holds the digest of its token, not
     * the token, and the token accepts it.
     */
    @Test
    void aSeededInvitationHoldsNoTokenInClearAndItsTokenAcceptsIt() {
        DirectorySeed seed = new DirectorySeed(jdbc);
        seed.invited(account, invitee, new AccountRole("MANAGER"), Instant.now().plus(7, ChronoUnit.DAYS));
        String token = seed.invitationToken(account, invitee);

        assertThat(membershipsHolding(token)).isZero();
        assertThat(membership()).containsEntry("invitation_token", InvitationTokens.digest(token));

        Answer answer = accept(token, email);

        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.body()).contains("\"role\":\"MANAGER\"", "\"state\":\"ACTIVE\"");
        assertThat(membership()).containsEntry("state", "ACTIVE");
    }

    @Test
    void anotherAddressIsRefusedBeforeTellingThatTheInvitationExpired() {
        String token = invite("ANALYST", Instant.now().minus(1, ChronoUnit.DAYS));

        assertThat(accept(token, "someone.else@example.test").status()).isEqualTo(403);
    }

    /**
     * An e-mail's link whose invitations all ended (here: expired and ended by the sweep, which deletes
     * them) is answered as a made-up token to anyone: someone else signed in with it was refused as for
     * another person's invitation (403), where a made-up token answered 404, which told the link was real.
     * While an invitation of it is pending, and once it gave access, it is still the invitee's alone.
     */
    @Test
    void anEmailsLinkWithNothingLeftIsUnknownToEveryone() {
        UUID job = UUID.randomUUID();
        String token = message(job);
        String someoneElse = "someone.else@example.test";

        assertThat(accept(token, someoneElse).status()).isEqualTo(404);
        assertThat(accept(UUID.randomUUID().toString(), someoneElse).status()).isEqualTo(404);
        assertThat(accept(token, email).status()).isEqualTo(404);

        invite("ANALYST", Instant.now().plus(7, ChronoUnit.DAYS));
        jdbc.sql("UPDATE directory.memberships SET invitation_job_id = ? WHERE account_id = ? AND user_id = ?")
                .params(job, account, invitee)
                .update();
        assertThat(accept(token, someoneElse).status()).as("pending").isEqualTo(403);
        assertThat(accept(token, email).status()).isEqualTo(200);
        assertThat(accept(token, someoneElse).status()).as("accepted").isEqualTo(403);
        assertThat(accept(token, email).status()).isEqualTo(200);
    }

    @Test
    void anActiveMembershipStillCarryingItsTokenAnswersItAsIs() {
        String token = UUID.randomUUID().toString();
        jdbc.sql("""
                        INSERT INTO directory.memberships (account_id, user_id, role, state, invitation_token)
                        VALUES (?, ?, 'ADMIN', 'ACTIVE', ?)
                        """).params(account, invitee, InvitationTokens.digest(token)).update();

        Answer answer = accept(token, email);

        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.body()).contains("\"role\":\"ADMIN\"", "\"state\":\"ACTIVE\"");
    }

    /**
     * An invitation left pending on an account that is in no portfolio any more (one an unlink missed
     * before unlinks ended the invitations no job made) answers as a revoked one, and gives no access:
     * it was accepted, and the account's user had access to an account that had left the portfolio.
     */
    @Test
    void anInvitationOnAnAccountInNoPortfolioIsNotFoundAndGivesNoAccess() {
        String token = invite("ANALYST", Instant.now().plus(7, ChronoUnit.DAYS));
        jdbc.sql("UPDATE directory.accounts SET portfolio_id = NULL WHERE id = ?")
                .params(account)
                .update();

        Answer answer = accept(token, email);

        assertThat(answer.status()).isEqualTo(404);
        assertThat(membership()).containsEntry("state", "INVITED");
    }

    /**
     * A close whose last unlinking failed (the worker could not be reached) left the account linked to the
     * closed portfolio, as the close's commit marked it closed: the invitations pending there answer as
     * revoked ones, by the membership's token and by the e-mail's link alike, and give no access, as on
     * an account in no portfolio (the unlink that frees the account for another portfolio ends them).
     * Before, they were accepted, and the invitee had access to the account through a portfolio that no
     * longer exists.
     */
    @Test
    void anInvitationOnAnAccountLeftLinkedToAClosedPortfolioIsNotFoundAndGivesNoAccess() {
        String token = invite("ANALYST", Instant.now().plus(7, ChronoUnit.DAYS));
        UUID job = UUID.randomUUID();
        jdbc.sql("UPDATE directory.memberships SET invitation_job_id = ? WHERE account_id = ? AND user_id = ?")
                .params(job, account, invitee)
                .update();
        String link = message(job);
        jdbc.sql("INSERT INTO jobs.closed_portfolios (portfolio_id, closed_by) VALUES (?, ?)")
                .params(portfolio, UUID.randomUUID())
                .update();

        assertThat(accept(link, email).status()).as("the e-mail's link").isEqualTo(404);
        assertThat(accept(token, email).status()).as("the membership's token").isEqualTo(404);
        assertThat(membership()).containsEntry("state", "INVITED");
    }

    @Test
    void aBodyWithoutAnAddressIsABadRequest() {
        String token = invite("ANALYST", Instant.now().plus(7, ChronoUnit.DAYS));

        assertThat(post(token, "{}").status()).isEqualTo(400);
        assertThat(post(token, "not json").status()).isEqualTo(400);
        assertThat(membership()).containsEntry("state", "INVITED");
    }

    @Test
    void twoAcceptancesRacingWithOneTokenAcceptItOnce() throws Exception {
        String token = invite("ANALYST", Instant.now().plus(7, ChronoUnit.DAYS));
        Callable<Integer> acceptance = () -> accept(token, email).status();

        List<Integer> statuses;
        try (ExecutorService callers = Executors.newFixedThreadPool(2)) {
            List<Future<Integer>> calls = callers.invokeAll(List.of(acceptance, acceptance));
            statuses = List.of(calls.get(0).get(), calls.get(1).get());
        }

        assertThat(statuses).containsExactlyInAnyOrder(200, 404);
        assertThat(membership()).containsEntry("state", "ACTIVE");
    }

    /**
     * The token is in no span of the acceptance: the request's {@code http.url} (a tag of its span)
     * names the path with the placeholder instead, as the {@code uri} tag does.
     */
    @Test
    void theTokenIsInNoSpanOfTheAcceptanceOnlyItsPlaceholder() {
        synchronized (RECORDER) {
            if (!RECORDER.registered) {
                observations.observationConfig().observationHandler(RECORDER);
                RECORDER.registered = true;
            }
        }
        RECORDER.recording = true;
        String token = invite("ANALYST", Instant.now().plus(7, ChronoUnit.DAYS));

        assertThat(accept(token, email).status()).isEqualTo(200);

        // The server observation stops once its answer is written, maybe after the client has read it.
        Awaitility.await()
                .atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(RECORDER.stopped)
                        .extracting(Stopped::url)
                        .anySatisfy(url -> assertThat(url).startsWith("/internal/invitations/")));
        List<Stopped> stopped = List.copyOf(RECORDER.stopped);
        assertThat(stopped).extracting(Stopped::url).contains("/internal/invitations/{token}/accept");
        assertThat(stopped)
                .flatExtracting(Stopped::values)
                .as("every key value and name of the server observations")
                .isNotEmpty()
                .noneSatisfy(value -> assertThat(value).contains(token));
    }

    @AfterEach
    void stopRecording() {
        RECORDER.recording = false;
        RECORDER.stopped.clear();
    }

    /** A pending invitation, stored as the worker stores one; answers its token. */
    private String invite(String role, Instant expiresAt) {
        String token = UUID.randomUUID().toString();
        jdbc.sql("""
                        INSERT INTO directory.memberships
                            (account_id, user_id, role, state, invited_at, expires_at, invitation_token)
                        VALUES (?, ?, ?, 'INVITED', now(), ?, ?)
                        """)
                .params(account, invitee, role, expiresAt.atOffset(ZoneOffset.UTC), InvitationTokens.digest(token))
                .update();
        return token;
    }

    /** The sent e-mail of {@code job} to the invitee, as the worker leaves one; answers its token. */
    private String message(UUID job) {
        String token = UUID.randomUUID().toString();
        jdbc.sql("""
                        INSERT INTO directory.invitation_mails
                            (id, job_id, user_id, email, language, portfolio_id, inviter_email, token_digest,
                             status, sent_at)
                        VALUES (?, ?, ?, ?, 'en', ?, 'admin@example.test', ?, 'SENT', now())
                        """)
                .params(UUID.randomUUID(), job, invitee, email, UUID.randomUUID(), InvitationTokens.digest(token))
                .update();
        return token;
    }

    /** Memberships with the token anywhere in their row. */
    private long membershipsHolding(String token) {
        return jdbc.sql("SELECT count(*) FROM directory.memberships m WHERE strpos(CAST(m AS text), ?) > 0")
                .params(token)
                .query(Long.class)
                .single();
    }

    private Map<String, Object> membership() {
        return jdbc.sql("""
                        SELECT role, state, invitation_token FROM directory.memberships
                        WHERE account_id = ? AND user_id = ?
                        """).params(account, invitee).query().singleRow();
    }

    private Answer accept(String token, String callerEmail) {
        return post(token, "{\"email\":\"" + callerEmail + "\"}");
    }

    private Answer post(String token, String body) {
        return http.post()
                .uri("/internal/invitations/{token}/accept", token)
                .contentType(MediaType.APPLICATION_JSON)
                .body(body)
                .exchange((request, response) -> new Answer(
                        response.getStatusCode().value(),
                        response.getHeaders().getContentType(),
                        response.bodyTo(String.class)));
    }

    private record Answer(int status, MediaType contentType, String body) {}

    /** A server observation as its span is tagged: its {@code http.url}, and its name and every key value. */
    private record Stopped(String url, List<String> values) {}

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
            KeyValue url = context.getHighCardinalityKeyValue("http.url");
            stopped.add(new Stopped(url == null ? "" : url.getValue(), values));
        }

        @Override
        public boolean supportsContext(Observation.Context context) {
            return recording && context instanceof RequestReplyReceiverContext<?, ?>;
        }
    }
}
