package com.portfoliobulk.gateway.console;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import com.portfoliobulk.gateway.support.StubWorker;
import com.portfoliobulk.gateway.support.StubbedServicesIntegrationTest;
import com.portfoliobulk.testsupport.DirectorySeed;
import com.portfoliobulk.testsupport.LogLines;
import com.portfoliobulk.testsupport.RawHttp;
import com.portfoliobulk.testsupport.TestTokens;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.springframework.security.web.csrf.HttpSessionCsrfTokenRepository;
import org.springframework.test.context.TestPropertySource;

/**
 * The page behind the link of an invitation e-mail, in the console: sign in first and come back,
 * accept with the button (never by opening the link), and what a used, expired or someone else's
 * invitation says. The bulk-worker is the {@link com.portfoliobulk.gateway.support.StubWorker}: the
 * token's first word says how it answers.
 */
@TestPropertySource(properties = "bulk.gateway.console.demo-sign-in=true")
class ConsoleInvitationIntegrationTests extends StubbedServicesIntegrationTest {

    private static final Pattern CSRF_FIELD = Pattern.compile("name=\"_csrf\" value=\"([^\"]+)\"");

    private static final String INVITEE = "invitee@brand.example";

    private ConsoleBrowser browser;

    private DirectorySeed.Portfolio portfolio;

    @BeforeEach
    void freshBrowser() {
        browser = new ConsoleBrowser(port);
        portfolio = directory.portfolio();
    }

    @Test
    void openingTheLinkWithoutASessionSignsInFirstAndComesBackToTheInvitation() throws Exception {
        String page = "/invitations/" + token("accepted");

        HttpResponse<String> opened = browser.get(page);
        assertThat(opened.statusCode()).isEqualTo(302);
        assertThat(opened.headers().firstValue("Location"))
                .hasValueSatisfying(location -> assertThat(location).endsWith("/console/sign-in"));

        HttpResponse<String> signedIn = browser.signIn(INVITEE, "USER_MANAGEMENT_VIEW", portfolio);
        assertThat(signedIn.statusCode()).as(signedIn.body()).isEqualTo(302);
        assertThat(signedIn.headers().firstValue("Location"))
                .hasValueSatisfying(location -> assertThat(location).endsWith(page));

        HttpResponse<String> invitation = browser.get(page);
        assertThat(invitation.statusCode()).isEqualTo(200);
        assertThat(invitation.body())
                .contains("The invitation will be accepted as <strong id=\"invitee\">" + INVITEE + "</strong>")
                .contains("Accept invitation", "name=\"_csrf\"")
                .contains("<title>Invitation · Portfolio Bulk Access</title>");
        assertThat(invitation.headers().firstValue("Cache-Control"))
                .hasValueSatisfying(cache -> assertThat(cache).contains("no-store"));

        ConsoleBrowser other = new ConsoleBrowser(port);
        assertThat(other.get("/console/portfolios/" + portfolio.id() + "/users").statusCode())
                .isEqualTo(302);
        assertThat(other.signIn(INVITEE, "USER_MANAGEMENT_VIEW", portfolio)
                        .headers()
                        .firstValue("Location"))
                .as("a sign-in returns to invitation pages only")
                .hasValueSatisfying(location -> assertThat(location).endsWith("/console"));
    }

    @Test
    void openingTheLinkNeverAcceptsOnlyTheButtonDoes() throws Exception {
        String token = token("accepted");
        browser.signIn(INVITEE, "USER_MANAGEMENT_VIEW", portfolio);

        HttpResponse<String> opened = browser.get("/invitations/" + token);
        assertThat(opened.statusCode()).isEqualTo(200);
        assertThat(worker.bodyFor(token)).as("opening the link accepts nothing").isNull();

        HttpResponse<String> accepted = accept(token, opened.body());
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(200);
        assertThat(accepted.body())
                .contains("Invitation accepted")
                .contains("6f1d7e34-9c2a-4c1e-8f0b-2a6a3c9e7d21")
                .contains("Analyst");
        assertThat(worker.bodyFor(token)).isEqualTo("{\"email\":\"" + INVITEE + "\"}");
        HttpResponse<String> api = browser.post("/api/v1/invitations/" + token + "/accept", Map.of());
        assertThat(api.statusCode()).as("the API stays bearer-only").isEqualTo(401);
    }

    @Test
    void acceptingShowsTheAccountsNameWhenItIsKnown() throws Exception {
        jdbc.sql("""
                        INSERT INTO directory.accounts (id, portfolio_id, name)
                        VALUES ('6f1d7e34-9c2a-4c1e-8f0b-2a6a3c9e7d21', :portfolio, 'Invited Brand')
                        ON CONFLICT (id) DO NOTHING
                        """).param("portfolio", portfolio.id()).update();
        String token = token("accepted");
        browser.signIn(INVITEE, "USER_MANAGEMENT_VIEW", portfolio);

        HttpResponse<String> accepted =
                accept(token, browser.get("/invitations/" + token).body());

        assertThat(accepted.body()).contains("<th scope=\"row\">Invited Brand</th>");
    }

    @Test
    void acceptingShowsACustomRoleByItsConfiguredName() throws Exception {
        jdbc.sql("""
                        INSERT INTO directory.accounts (id, portfolio_id, name)
                        VALUES ('6f1d7e34-9c2a-4c1e-8f0b-2a6a3c9e7d21', :portfolio, 'Invited Brand')
                        ON CONFLICT (id) DO NOTHING
                        """).param("portfolio", portfolio.id()).update();
        jdbc.sql("""
                        INSERT INTO jobs.account_roles (portfolio_id, code, name, permissions)
                        SELECT portfolio_id, 'REGIONAL_LEAD', 'Area director', ARRAY['VIEW_ACCOUNT']
                        FROM directory.accounts WHERE id = '6f1d7e34-9c2a-4c1e-8f0b-2a6a3c9e7d21'
                        ON CONFLICT (portfolio_id, code) DO UPDATE SET name = excluded.name
                        """).update();
        String token = token("custom");
        browser.signIn(INVITEE, "USER_MANAGEMENT_VIEW", portfolio);

        HttpResponse<String> accepted =
                accept(token, browser.get("/invitations/" + token).body());

        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(200);
        assertThat(accepted.body()).contains("<td>Area director</td>").doesNotContain("REGIONAL_LEAD");
    }

    /**
     * A custom role named before names had to be one line: the page shows each direction control and
     * line break of its name as U+FFFD, as the e-mails do (it showed the name as stored, its words turned
     * around).
     */
    @Test
    void acceptingShowsACustomRoleNamedBeforeTheRuleOnOneLine() throws Exception {
        jdbc.sql("""
                        INSERT INTO directory.accounts (id, portfolio_id, name)
                        VALUES ('6f1d7e34-9c2a-4c1e-8f0b-2a6a3c9e7d21', :portfolio, 'Invited Brand')
                        ON CONFLICT (id) DO NOTHING
                        """).param("portfolio", portfolio.id()).update();
        jdbc.sql("""
                        INSERT INTO jobs.account_roles (portfolio_id, code, name, permissions)
                        SELECT portfolio_id, 'REGIONAL_LEAD', :name, ARRAY['VIEW_ACCOUNT']
                        FROM directory.accounts WHERE id = '6f1d7e34-9c2a-4c1e-8f0b-2a6a3c9e7d21'
                        ON CONFLICT (portfolio_id, code) DO UPDATE SET name = excluded.name
                        """).param("name", "Area\u202Erotcerid\nlead").update();
        String token = token("custom");
        browser.signIn(INVITEE, "USER_MANAGEMENT_VIEW", portfolio);

        HttpResponse<String> accepted =
                accept(token, browser.get("/invitations/" + token).body());

        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(200);
        assertThat(accepted.body())
                .contains("<td>Area\uFFFDrotcerid\uFFFDlead</td>")
                .doesNotContain("\u202E");
    }

    @Test
    void aUsedExpiredOrRevokedInvitationSaysToAskForANewOne() throws Exception {
        String token = token("expired");
        browser.signIn(INVITEE, "USER_MANAGEMENT_VIEW", portfolio);

        HttpResponse<String> gone =
                accept(token, browser.get("/invitations/" + token).body());

        assertThat(gone.statusCode()).isEqualTo(410);
        assertThat(gone.body())
                .contains("The invitation cannot be accepted any more")
                .contains("Ask the person who invited you to send a new invitation");
    }

    /**
     * An account's activity log links the job of an entry only while the portfolio has it: an entry
     * outlives its job, and one no job made, such as an invitation that expired, names the all-zero
     * job id. Both linked to the console's Not found page. A link's entry has no job id at all.
     */
    @Test
    void theActivityLogLinksTheJobsThePortfolioHasOnly() throws Exception {
        UUID account = portfolio.account("Brand");
        browser.signIn(INVITEE, "USER_MANAGEMENT_VIEW", portfolio);
        String page = "/console/portfolios/" + portfolio.id() + "/accounts/" + account + "/activity";
        String jobLink = "/console/portfolios/" + portfolio.id() + "/jobs/" + StubWorker.ACTIVITY_LOG_JOB_ID;

        HttpResponse<String> withoutTheJob = browser.get(page);
        assertThat(withoutTheJob.statusCode()).isEqualTo(200);
        assertThat(withoutTheJob.body())
                .contains(
                        "Invitation of bob@x.com as Analyst expired",
                        "Role of ann@x.com changed",
                        "Account linked to the portfolio")
                .doesNotContain("/jobs/00000000-0000-0000-0000-000000000000", jobLink);

        jdbc.sql("""
                        INSERT INTO jobs.bulk_jobs (id, portfolio_id, type, status, requested_by_user_id,
                               requested_by_email, total, pending, succeeded, completed_at)
                        VALUES (:id, :portfolio, 'UPDATE_ROLES', 'COMPLETED', :user, 'admin@agency.test', 1, 0, 1, now())
                        ON CONFLICT (id) DO UPDATE SET portfolio_id = excluded.portfolio_id
                        """)
                .param("id", UUID.fromString(StubWorker.ACTIVITY_LOG_JOB_ID))
                .param("portfolio", portfolio.id())
                .param("user", UUID.randomUUID())
                .update();

        assertThat(browser.get(page).body())
                .contains(jobLink)
                .doesNotContain("/jobs/00000000-0000-0000-0000-000000000000")
                // The link names its job and entry, among the log's many "job" links.
                .containsPattern(Pattern.quote(jobLink) + "\" aria-label=\"job "
                        + StubWorker.ACTIVITY_LOG_JOB_ID.substring(0, 8) + ": [^\"]+\">job</a>");
    }

    @Test
    void someoneElsesInvitationSaysToSignInWithTheInvitedAddress() throws Exception {
        String token = token("mismatch");
        browser.signIn("someone.else@brand.example", "USER_MANAGEMENT_VIEW", portfolio);

        HttpResponse<String> forbidden =
                accept(token, browser.get("/invitations/" + token).body());

        assertThat(forbidden.statusCode()).isEqualTo(403);
        assertThat(forbidden.body())
                .contains("Not accepted as <span>someone.else@brand.example</span>")
                .contains("This invitation was sent to another e-mail address.")
                .contains("sign in with the address it was sent to");
    }

    /** The page was left open until the session ended: Accept signs in again and comes back to it. */
    @Test
    void acceptingAfterTheSessionEndedSignsInAndComesBackToTheInvitation() throws Exception {
        String token = token("accepted");
        String page = "/invitations/" + token;
        browser.signIn(INVITEE, "USER_MANAGEMENT_VIEW", portfolio);
        String opened = browser.get(page).body();
        jdbc.sql("DELETE FROM jobs.console_sessions WHERE principal_name = :email")
                .param("email", INVITEE)
                .update();

        HttpResponse<String> refused = accept(token, opened);

        assertThat(refused.statusCode()).isEqualTo(302);
        assertThat(refused.headers().firstValue("Location"))
                .hasValueSatisfying(location -> assertThat(location).contains("/console/sign-in"));
        assertThat(worker.bodyFor(token))
                .as("nothing accepted without a session")
                .isNull();
        HttpResponse<String> signedIn = browser.signIn(INVITEE, "USER_MANAGEMENT_VIEW", portfolio);
        assertThat(signedIn.headers().firstValue("Location"))
                .hasValueSatisfying(location -> assertThat(location).endsWith(page));
        assertThat(accept(token, browser.get(page).body()).statusCode()).isEqualTo(200);
        assertThat(worker.bodyFor(token)).isNotNull();
    }

    @Test
    void acceptingNeedsTheSessionsCsrfToken() throws Exception {
        String token = token("accepted");
        browser.signIn(INVITEE, "USER_MANAGEMENT_VIEW", portfolio);

        HttpResponse<String> forged = browser.post("/invitations/" + token, Map.of());

        assertThat(forged.statusCode())
                .as("back to the page, to accept with its button")
                .isEqualTo(303);
        assertThat(worker.bodyFor(token)).isNull();
    }

    /**
     * The page was opened signed in as someone else, who then signed in as the invited address (in
     * another tab): the page's form carries the token of the earlier session, so Accept accepts
     * nothing and shows the page again, with the session's token and the address it is now accepted
     * as. No console page links to an invitation, so saying to open the page again from the console
     * left the invitee looking for the e-mail.
     */
    @Test
    void acceptingFromAPageOfAnEarlierSignInShowsThePageAgainForTheNewSignIn() throws Exception {
        String token = token("accepted");
        String page = "/invitations/" + token;
        browser.signIn("someone.else@brand.example", "USER_MANAGEMENT_VIEW", portfolio);
        String opened = browser.get(page).body();
        assertThat(opened).contains("<strong id=\"invitee\">someone.else@brand.example</strong>");
        browser.signIn(INVITEE, "USER_MANAGEMENT_VIEW", portfolio);

        HttpResponse<String> stale = accept(token, opened);

        assertThat(stale.statusCode()).as(stale.body()).isEqualTo(303);
        assertThat(stale.headers().firstValue("Location"))
                .hasValueSatisfying(location -> assertThat(location).endsWith(page));
        assertThat(worker.bodyFor(token)).as("the stale form accepts nothing").isNull();
        HttpResponse<String> again = browser.get(page);
        assertThat(again.statusCode()).isEqualTo(200);
        assertThat(again.body())
                .contains("The invitation will be accepted as <strong id=\"invitee\">" + INVITEE + "</strong>")
                .contains("Accept invitation");
        assertThat(worker.bodyFor(token)).as("opening it again accepts nothing").isNull();
        HttpResponse<String> accepted = accept(token, again.body());
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(200);
        assertThat(worker.bodyFor(token)).isEqualTo("{\"email\":\"" + INVITEE + "\"}");
    }

    /**
     * The link of an e-mail in German opens German pages, as the e-mail was: the sign-in page that comes
     * back to it, the invitation page, and what accepting says, with {@code <html lang="de">}. They were in
     * English.
     */
    @Test
    void theLinkOfAGermanInvitationOpensGermanPages() throws Exception {
        String token = token("accepted");
        invitationMail(token, "de");
        String page = "/invitations/" + token;

        assertThat(browser.get(page).statusCode()).isEqualTo(302);
        HttpResponse<String> signIn = browser.get("/console/sign-in");
        assertThat(signIn.body())
                .contains("<html lang=\"de\">")
                .contains("<title>Anmelden · Portfolio Bulk Access</title>")
                .contains("<h1>Bei Portfolio Bulk Access anmelden</h1>");
        assertThat(browser.signIn(INVITEE, "USER_MANAGEMENT_VIEW", portfolio)
                        .headers()
                        .firstValue("Location"))
                .hasValueSatisfying(location -> assertThat(location).endsWith(page));

        HttpResponse<String> opened = browser.get(page);
        assertThat(opened.statusCode()).isEqualTo(200);
        assertThat(opened.headers().firstValue("Content-Language")).hasValue("de");
        assertThat(opened.body())
                .contains("<html lang=\"de\">")
                .contains("<title>Einladung · Portfolio Bulk Access</title>")
                .contains("<h1>Einladung annehmen</h1>")
                .contains("Die Einladung wird als <strong id=\"invitee\">" + INVITEE + "</strong> angenommen:")
                .contains(">Einladung annehmen</button>", ">Abmelden</button>", "Zur Konsole")
                .doesNotContain("Accept invitation", "Sign out");

        HttpResponse<String> accepted = accept(token, opened.body());
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(200);
        assertThat(accepted.body())
                .contains("<html lang=\"de\">")
                .contains("<h1>Einladung angenommen</h1>")
                .contains("Sie haben jetzt Zugang als <strong>" + INVITEE + "</strong>:")
                .contains("<th scope=\"col\">Konto</th><th scope=\"col\">Rolle</th>")
                .contains("<td>Analyst</td>");
    }

    /**
     * A single invitation's token (not an e-mail's) finds its invitation's language too, by its primary
     * subtag; a standard role is named in that language, a custom one as the portfolio configured it.
     */
    @Test
    void anInvitationInARegionalLanguageNamesItsRoleInThatLanguage() throws Exception {
        String token = token("accepted");
        invitedMembership(token, "es-MX");
        browser.signIn(INVITEE, "USER_MANAGEMENT_VIEW", portfolio);

        HttpResponse<String> accepted =
                accept(token, browser.get("/invitations/" + token).body());

        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(200);
        assertThat(accepted.body())
                .contains("<html lang=\"es\">")
                .contains("<h1>Invitación aceptada</h1>")
                .contains("<th scope=\"col\">Cuenta</th><th scope=\"col\">Rol</th>")
                .contains("<td>Analista</td>")
                .doesNotContain("<td>Analyst</td>");
    }

    /**
     * A token that finds no invitation (made up, or revoked) speaks the first language of the browser's
     * that invitations are written in, else English.
     */
    @Test
    void aTokenThatFindsNoInvitationSpeaksTheBrowsersLanguage() throws Exception {
        String token = token("expired");
        String page = "/invitations/" + token;
        browser.signIn(INVITEE, "USER_MANAGEMENT_VIEW", portfolio);
        String[] french = {"Accept-Language", "fr-CH, fr;q=0.9, en;q=0.8, de;q=0.7"};

        HttpResponse<String> opened = browser.get(page, french);
        assertThat(opened.body()).contains("<html lang=\"fr\">").contains("<h1>Accepter l&#39;invitation</h1>");
        HttpResponse<String> gone = browser.post(page, Map.of("_csrf", csrf(opened.body())), french);

        assertThat(gone.statusCode()).isEqualTo(410);
        assertThat(gone.body())
                .contains("<html lang=\"fr\">")
                .contains("<h1>L&#39;invitation ne peut plus être acceptée</h1>")
                .contains("Demandez à la personne qui vous a invité de vous envoyer une nouvelle invitation.")
                .doesNotContain("cannot be accepted any more");

        HttpResponse<String> unknownLanguages =
                browser.post(page, Map.of("_csrf", csrf(opened.body())), "Accept-Language", "ja, tlh;q=0.5, fr;q=0");
        assertThat(unknownLanguages.body())
                .contains("<html lang=\"en\">")
                .contains("The invitation cannot be accepted any more");
    }

    /**
     * The invitation's language wins over the browser's: an English invitation's pages stay English,
     * as before, in a German browser; a German one says in German that it is someone else's.
     */
    @Test
    void theInvitationsLanguageWinsOverTheBrowsers() throws Exception {
        String english = token("mismatch");
        invitationMail(english, "en");
        String german = token("mismatch");
        invitationMail(german, "de");
        browser.signIn("someone.else@brand.example", "USER_MANAGEMENT_VIEW", portfolio);
        String[] germanBrowser = {"Accept-Language", "de-DE, de;q=0.9"};

        HttpResponse<String> inEnglish = browser.post(
                "/invitations/" + english,
                Map.of(
                        "_csrf",
                        csrf(browser.get("/invitations/" + english, germanBrowser)
                                .body())),
                germanBrowser);
        assertThat(inEnglish.statusCode()).isEqualTo(403);
        assertThat(inEnglish.body())
                .contains("<html lang=\"en\">")
                .contains("Not accepted as <span>someone.else@brand.example</span>")
                .contains("This invitation was sent to another e-mail address.")
                .contains("sign in with the address it was sent to");

        HttpResponse<String> inGerman =
                accept(german, browser.get("/invitations/" + german).body());
        assertThat(inGerman.statusCode()).isEqualTo(403);
        assertThat(inGerman.body())
                .contains("<html lang=\"de\">")
                .contains("Nicht angenommen als <span>someone.else@brand.example</span>")
                .contains("Diese Einladung wurde an eine andere E-Mail-Adresse gesendet.")
                .contains("Sie sind angemeldet als <strong>someone.else@brand.example</strong>. Melden Sie sich ab");
    }

    /**
     * An error page met while a German invitation is accepted (here the API answers 503, as the
     * bulk-worker fails; the same page as when the database is down) is the console's, written in English,
     * and is announced so: {@code Content-Language: en}, as its {@code <html lang="en">}. It was announced
     * as German ({@code de}, the invitation's language), which a screen reader or a translating browser
     * follows.
     */
    @Test
    void anErrorPageWhileAGermanInvitationIsAcceptedIsAnnouncedInEnglish() throws Exception {
        String token = token("failing");
        invitationMail(token, "de");
        browser.signIn(INVITEE, "USER_MANAGEMENT_VIEW", portfolio);
        HttpResponse<String> opened = browser.get("/invitations/" + token);
        assertThat(opened.headers().firstValue("Content-Language")).hasValue("de");

        HttpResponse<String> failed = accept(token, opened.body());

        assertThat(failed.statusCode()).as(failed.body()).isEqualTo(503);
        assertThat(failed.body()).contains("<html lang=\"en\">").doesNotContain("Einladung");
        assertThat(failed.headers().firstValue("Content-Language")).hasValue("en");
    }

    /**
     * A German invitation page whose writing fails half way (here the session's CSRF token, which the
     * page's form reads as it is written, is stored as something else) is answered with the console's
     * error page (500), written in English, and announced so: {@code Content-Language: en}, as its
     * {@code <html lang="en">}. It was announced as German ({@code de}, the language the invitation page
     * had set for the request).
     */
    @Test
    void theErrorPageOfAGermanInvitationPageThatFailsToRenderIsAnnouncedInEnglish() throws Exception {
        String token = token("accepted");
        invitationMail(token, "de");
        browser.signIn(INVITEE, "USER_MANAGEMENT_VIEW", portfolio);
        HttpResponse<String> opened = browser.get("/invitations/" + token);
        assertThat(opened.headers().firstValue("Content-Language")).hasValue("de");
        jdbc.sql("""
                        UPDATE jobs.console_sessions_attributes a SET attribute_bytes = :sealed
                          FROM jobs.console_sessions s
                         WHERE s.primary_id = a.session_primary_id
                           AND s.session_id = encode(sha256(convert_to(:id, 'UTF8')), 'hex')
                           AND a.attribute_name = :name""")
                .param(
                        "sealed",
                        SealedSessionsTests.sessions(TestTokens.INTERNAL_SECRET, "")
                                .convert("not a CSRF token", byte[].class))
                .param("id", browser.sessionId())
                .param("name", HttpSessionCsrfTokenRepository.class.getName() + ".CSRF_TOKEN")
                .update();

        HttpResponse<String> failed = browser.get("/invitations/" + token);

        assertThat(failed.statusCode()).as(failed.body()).isEqualTo(500);
        assertThat(failed.body()).contains("<html lang=\"en\">").doesNotContain("Einladung");
        assertThat(failed.headers().firstValue("Content-Language")).hasValue("en");
    }

    /**
     * A browser language the gateway cannot read (an {@code Accept-Language} outside printable ASCII,
     * here "ключ" sent as UTF-8, which the security firewall refuses once a page reads it) on the sign-in
     * page an invitation link led to, and on the invitation page itself, is the console's 400 page naming
     * the header, as the API answers it, and no error in the log. Before, each was a 500 quoting an error
     * id, logged as an "Unexpected error" with its stack trace: a defect to report, and enough of them
     * fired the server-errors alert.
     */
    @Test
    void aBrowserLanguageTheGatewayCannotReadIsTheConsolesBadRequestPageNotAnError() throws Exception {
        String page = "/invitations/" + token("expired");
        assertThat(browser.get(page).statusCode()).isEqualTo(302);
        String unreadable =
                "Accept-Language: " + new String("ключ".getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);

        RawHttp.Answer signIn;
        RawHttp.Answer invitation;
        List<ILoggingEvent> lines;
        try (LogLines log = LogLines.of(Logger.ROOT_LOGGER_NAME)) {
            signIn = RawHttp.send(port, request("/console/sign-in", unreadable));
            browser.signIn(INVITEE, "USER_MANAGEMENT_VIEW", portfolio);
            invitation = RawHttp.send(port, request(page, unreadable));
            lines = log.lines();
        }

        for (RawHttp.Answer answer : List.of(signIn, invitation)) {
            assertThat(answer.status()).as(answer.raw()).isEqualTo(400);
            assertThat(answer.header("Content-Type")).startsWith("text/html");
            assertThat(answer.header("Content-Language")).isEqualTo("en");
            assertThat(answer.body())
                    .contains("<html lang=\"en\">", "Back to the console")
                    .contains("Invalid &#39;Accept-Language&#39;: holds characters that are not allowed")
                    .doesNotContain("Internal error", "error id");
        }
        assertThat(lines)
                .filteredOn(line -> line.getLevel().isGreaterOrEqual(Level.ERROR))
                .extracting(ILoggingEvent::getFormattedMessage)
                .isEmpty();
    }

    /** A GET of the path by the browser, with its cookie and this further header, as sent. */
    private String request(String path, String header) {
        return "GET " + path + " HTTP/1.1\r\nHost: localhost:" + port + "\r\nAccept: text/html\r\nConnection: close"
                + "\r\nCookie: " + browser.cookieHeader() + "\r\n" + header + "\r\n\r\n";
    }

    private HttpResponse<String> accept(String token, String page) throws Exception {
        return browser.post("/invitations/" + token, Map.of("_csrf", csrf(page)));
    }

    private static String csrf(String page) {
        Matcher csrf = CSRF_FIELD.matcher(page);
        assertThat(csrf.find()).as(page).isTrue();
        return ConsoleBrowser.unescape(csrf.group(1));
    }

    /** The e-mail of an invitation in the language, as the bulk-worker stores it once sent: its link's token as a digest. */
    private void invitationMail(String token, String language) {
        jdbc.sql("""
                        INSERT INTO directory.invitation_mails
                               (id, job_id, user_id, email, language, portfolio_id, inviter_email, token_digest, status)
                        VALUES (:id, :job, :user, :email, :language, :portfolio, 'admin@agency.example',
                                encode(sha256(convert_to(:token, 'UTF8')), 'hex'), 'SENT')
                        """)
                .param("id", UUID.randomUUID())
                .param("job", UUID.randomUUID())
                .param("user", directory.user())
                .param("email", INVITEE)
                .param("language", language)
                .param("portfolio", portfolio.id())
                .param("token", token)
                .update();
    }

    /** A pending invitation in the language whose own token (not an e-mail's) is this one, stored as its digest. */
    private void invitedMembership(String token, String language) {
        jdbc.sql("""
                        INSERT INTO directory.memberships
                               (account_id, user_id, role, state, invited_at, expires_at, invitation_token,
                                invitation_language)
                        VALUES (:account, :user, 'ANALYST', 'INVITED', now(), now() + interval '7 days',
                                encode(sha256(convert_to(:token, 'UTF8')), 'hex'), :language)
                        """)
                .param("account", portfolio.account("Brand"))
                .param("user", directory.user())
                .param("token", token)
                .param("language", language)
                .update();
    }

    private static String token(String outcome) {
        return outcome + "-" + UUID.randomUUID();
    }
}
