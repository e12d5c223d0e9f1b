package com.portfoliobulk.gateway.console;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.gateway.jobs.OtherGatewayReads;
import com.portfoliobulk.gateway.web.DerivedKeys;
import com.portfoliobulk.testsupport.DirectorySeed;
import com.portfoliobulk.testsupport.RawHttp;
import com.portfoliobulk.testsupport.TestTokens;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Statement;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.security.core.context.SecurityContext;

/**
 * The console's own security, beside the API's: sign-in (the demo sign-in and an identity provider
 * through {@code oauth2Login}), the session cookie, CSRF on forms, and the API staying bearer-only.
 */
@ConsoleIntegrationTest
class ConsoleSecurityIntegrationTests {

    private static final Pattern CSRF_FIELD = Pattern.compile("name=\"_csrf\" value=\"([^\"]+)\"");

    private static final Pattern CSRF_META = Pattern.compile("name=\"csrf-token\" content=\"([^\"]+)\"");

    @LocalServerPort
    private int port;

    @Autowired
    private JdbcClient jdbc;

    @Autowired
    private ApplicationContext gateway;

    private ConsoleBrowser browser;

    @BeforeEach
    void freshBrowser() {
        browser = new ConsoleBrowser(port);
    }

    @Test
    void signInPageOffersTheIdentityProviderAndTheDemoSignInWithAStrictContentSecurityPolicy() throws Exception {
        HttpResponse<String> page = get("/console/sign-in");

        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("Sign in with Corporate SSO", "href=\"/oauth2/authorization/corp\"");
        assertThat(page.body()).contains("id=\"demo-sign-in\"", "name=\"_csrf\"");
        assertThat(page.headers().firstValue("Content-Security-Policy"))
                .hasValue(ConsoleSecurityConfiguration.CONSOLE_CONTENT_SECURITY_POLICY);
        assertThat(page.headers().firstValue("X-Frame-Options")).hasValue("DENY");
    }

    /**
     * A page carries the session's CSRF token where it is used: the sign-in page in its demo form
     * (whose session is stored for it), the signed-in pages also in their head, where the console's
     * script reads it for the requests htmx makes (the Users search, the job's progress panel).
     */
    @Test
    void theCsrfTokenIsInTheSignInFormAndInTheHeadOfSignedInPages() throws Exception {
        HttpResponse<String> signInPage = get("/console/sign-in");

        assertThat(signInPage.body()).containsPattern(CSRF_FIELD).doesNotContainPattern(CSRF_META);
        assertThat(signInPage.headers().allValues("Set-Cookie"))
                .as("the demo form's session")
                .anyMatch(cookie -> cookie.startsWith(ConsoleSession.COOKIE + "="));

        DirectorySeed.Portfolio portfolio = portfolio();
        UUID ann = analystOn(portfolio, "Brand Nice");
        signIn("owner-" + UUID.randomUUID() + "@agency.test", "OWNER", portfolio);
        String job = offboardingJobPage(portfolio, ann);
        for (String page : List.of("/console/portfolios/" + portfolio.id() + "/users", job)) {
            assertThat(get(page).body())
                    .as(page)
                    .containsPattern(CSRF_META)
                    .contains("<meta name=\"csrf-header\" content=\"X-CSRF-TOKEN\">", "hx-get=");
        }
    }

    /** A refused demo sign-in keeps what was typed and chosen: a second click is not the demo Owner. */
    @Test
    void aRefusedDemoSignInKeepsTheAddressAndThePermissionChosen() throws Exception {
        String page = get("/console/sign-in").body();
        assertThat(page).containsPattern("value=\"OWNER\"[^>]*checked");

        HttpResponse<String> refused = post(
                "/console/sign-in",
                Map.of("email", "bob@agency", "permission", "USER_MANAGEMENT_VIEW", "_csrf", csrf()));

        assertThat(refused.statusCode()).isEqualTo(422);
        assertThat(refused.body())
                .contains("id=\"email-error\"", "value=\"bob@agency\"")
                .containsPattern("value=\"USER_MANAGEMENT_VIEW\"[^>]*checked")
                .doesNotContainPattern("value=\"OWNER\"[^>]*checked")
                .doesNotContain("value=\"admin@demo.example\"");
    }

    @Test
    void identityProviderSignInStartsAnAuthorizationCodeFlowBackToTheConsole() throws Exception {
        HttpResponse<String> start = get("/oauth2/authorization/corp");

        assertThat(start.statusCode()).isEqualTo(302);
        String location = start.headers().firstValue("Location").orElseThrow();
        assertThat(location)
                .startsWith("https://idp.example/authorize?")
                .contains("response_type=code", "client_id=bulk-console", "state=")
                .contains("redirect_uri=http://localhost:" + port + "/login/oauth2/code/corp");
    }

    @Test
    void consolePagesSendAnyoneNotSignedInToTheSignInPage() throws Exception {
        HttpResponse<String> users = get("/console/portfolios/" + UUID.randomUUID() + "/users");

        assertRedirectsTo(users, "/console/sign-in");
    }

    /**
     * The Users search, "Find accounts by name" and the job's progress panel are htmx requests: once the
     * session has ended, they send the whole page to the sign-in page (HX-Redirect), instead of a
     * redirect htmx would follow and swap the sign-in page into the results or the panel, or, for "Find
     * accounts by name" (a POST with the page's CSRF token, which swaps nothing in itself), drop.
     */
    @Test
    void anHtmxRequestOfAnEndedSessionSendsTheWholePageToSignIn() throws Exception {
        DirectorySeed.Portfolio portfolio = portfolio();
        signIn("owner-" + UUID.randomUUID() + "@agency.test", "OWNER", portfolio);
        Matcher token = CSRF_META.matcher(
                get("/console/portfolios/" + portfolio.id() + "/users").body());
        assertThat(token.find()).isTrue();
        endSession();

        HttpResponse<String> findAccounts = browser.post(
                "/console/portfolios/" + portfolio.id() + "/account-choices",
                Map.of("accountName", "Brand"),
                "HX-Request",
                "true",
                "HX-Target",
                "account-search",
                "X-CSRF-TOKEN",
                ConsoleBrowser.unescape(token.group(1)));
        assertThat(findAccounts.statusCode()).as("Find accounts by name").isEqualTo(401);
        assertThat(findAccounts.headers().firstValue("HX-Redirect"))
                .as("Find accounts by name")
                .hasValue("/console/sign-in?expired");

        for (String path : List.of(
                "/console/portfolios/" + portfolio.id() + "/users?q=ann",
                "/console/portfolios/" + portfolio.id() + "/jobs/" + UUID.randomUUID() + "/progress")) {
            HttpResponse<String> fragment = browser.get(path, "HX-Request", "true", "HX-Target", "results");

            assertThat(fragment.statusCode()).as(path).isEqualTo(401);
            assertThat(fragment.headers().firstValue("HX-Redirect")).as(path).hasValue("/console/sign-in?expired");
        }
        assertThat(get("/console/portfolios/" + portfolio.id() + "/users").statusCode())
                .as("a page, not htmx")
                .isEqualTo(302);
    }

    /** Addresses are stored with their domain in its xn-- form: the demo signs in as that user, by either form. */
    @Test
    void aDemoSignInWithAUnicodeDomainSignsInAsTheUserStoredInItsXnForm() throws Exception {
        DirectorySeed seed = new DirectorySeed(jdbc);
        DirectorySeed.Portfolio portfolio = seed.portfolio();
        String local = "anna-" + UUID.randomUUID();
        String stored = local + "@xn--mller-kva.example";
        UUID anna = seed.user(stored, false);

        HttpResponse<String> answer = signIn(local + "@M\u00fcller.example", "OWNER", portfolio);

        assertThat(answer.statusCode()).isEqualTo(302);
        List<UUID> sessions = jdbc
                .sql("SELECT principal_name FROM jobs.console_sessions WHERE principal_name LIKE ?")
                .param(local + "@%")
                .query(String.class)
                .list()
                .stream()
                .map(name -> signedIn(name).userId())
                .toList();
        assertThat(sessions).containsExactly(anna);
    }

    @Test
    void aDemoSignInWithoutAChosenPortfolioNamesAtMostFiftySoItsTokenFitsInAHeader() throws Exception {
        DirectorySeed seed = new DirectorySeed(jdbc);
        for (int i = 0; i <= SignInController.DEMO_PORTFOLIO_LIMIT; i++) {
            seed.portfolio();
        }
        String page = get("/console/sign-in").body();
        Matcher token = CSRF_FIELD.matcher(page);
        assertThat(token.find()).as(page).isTrue();

        HttpResponse<String> signedIn = post(
                "/console/sign-in",
                Map.of(
                        "email",
                        "admin@demo.example",
                        "permission",
                        "OWNER",
                        "_csrf",
                        ConsoleBrowser.unescape(token.group(1))));
        HttpResponse<String> home = get("/console");

        assertThat(signedIn.statusCode()).isEqualTo(302);
        assertThat(home.statusCode()).isEqualTo(200);
        assertThat(home.body().split("<li><a href=\"/console/portfolios/", -1))
                .hasSize(SignInController.DEMO_PORTFOLIO_LIMIT + 1);
    }

    @Test
    void formsWithoutTheCsrfTokenAreRefused() throws Exception {
        get("/console/sign-in");

        HttpResponse<String> forged = post("/console/sign-in", Map.of("email", "admin@demo.example"));

        assertRedirectsTo(forged, "/console/sign-in?expired");
        assertThat(forged.headers().allValues("Set-Cookie")).noneMatch(cookie -> cookie.contains("BULK_CONSOLE="));
        HttpResponse<String> console = get("/console");
        assertRedirectsTo(console, "/console/sign-in");
    }

    /**
     * A form sent after its session ended (the sign-in page left open past 30 minutes, a sign-out after
     * the 8 h idle timeout) carries a CSRF token of no session: the browser goes to the sign-in page
     * saying why, not to the API's JSON refusal.
     */
    @Test
    void aFormOfASessionThatEndedLeadsToTheSignInPage() throws Exception {
        String token = csrf();
        endSession();

        HttpResponse<String> late = post("/console/sign-in", Map.of("email", "admin@demo.example", "_csrf", token));

        assertRedirectsTo(late, "/console/sign-in?expired");
        assertThat(get("/console/sign-in?expired").body()).contains("Your sign-in has expired");

        signIn("owner-" + UUID.randomUUID() + "@agency.test", "OWNER", portfolio());
        String signedIn = csrf();
        endSession();
        HttpResponse<String> signOut = post("/console/sign-out", Map.of("_csrf", signedIn));
        assertRedirectsTo(signOut, "/console/sign-in?signedOut");
    }

    /**
     * Another site's page can make the browser post to the console (a form its script submits), and
     * the browser sends that POST without the console's cookie (SameSite=Lax) but stores a cookie its
     * answer sets over the one it has. The answer sets none: the administrator stays signed in, and
     * their next sign-in does not go to an invitation page that site chose.
     */
    @Test
    void aFormPostedFromAnotherSiteSetsNoCookieSoTheAdministratorStaysSignedIn() throws Exception {
        DirectorySeed.Portfolio portfolio = portfolio();
        String email = "owner-" + UUID.randomUUID() + "@agency.test";
        signIn(email, "OWNER", portfolio);
        String users = "/console/portfolios/" + portfolio.id() + "/users";
        String invitation = "/invitations/elsewhere-" + UUID.randomUUID();

        for (String path :
                List.of("/console/sign-out", "/console/portfolios/" + portfolio.id() + "/review", invitation)) {
            HttpResponse<String> forged = browser.postFromAnotherSite(path, Map.of("action", "offboard"));

            assertThat(forged.statusCode()).as(path).isEqualTo(302);
            assertThat(forged.headers().allValues("Set-Cookie"))
                    .as(path)
                    .noneMatch(cookie -> cookie.startsWith(ConsoleSession.COOKIE + "="));
            assertThat(get(users).statusCode())
                    .as("signed in after another site's form to %s", path)
                    .isEqualTo(200);
        }

        assertRedirectsTo(post("/console/sign-out", Map.of("_csrf", csrf())), "/console/sign-in?signedOut");
        browser.postFromAnotherSite(invitation, Map.of());
        assertRedirectsTo(signIn(email, "OWNER", portfolio), "/console");
    }

    /** A signed-in administrator's form with a token not of their session is refused on a console page. */
    @Test
    void aFormWithAnotherSessionsTokenIsRefusedOnAConsolePage() throws Exception {
        DirectorySeed.Portfolio portfolio = portfolio();
        signIn("owner-" + UUID.randomUUID() + "@agency.test", "OWNER", portfolio);

        HttpResponse<String> forged = post("/console/sign-out", Map.of("_csrf", "not-this-sessions-token"));

        assertThat(forged.statusCode()).isEqualTo(403);
        assertThat(forged.headers().firstValue("Content-Type"))
                .hasValueSatisfying(type -> assertThat(type).startsWith("text/html"));
        assertThat(forged.body()).contains("This page is out of date", "Back to the console");
        assertThat(get("/console/portfolios/" + portfolio.id() + "/users").statusCode())
                .as("still signed in")
                .isEqualTo(200);
    }

    /**
     * Signing out is the console's form alone (POST /console/sign-out with the session's CSRF token):
     * /logout is an unknown path of the API like any other, 401 without a token and 404 with one, so a
     * link or a form of another site to it, which the browser sends with the session cookie, leaves the
     * session signed in.
     */
    @Test
    void logoutIsAnUnknownPathThatSignsNoOneOut() throws Exception {
        DirectorySeed.Portfolio portfolio = portfolio();
        signIn("owner-" + UUID.randomUUID() + "@agency.test", "OWNER", portfolio);
        String token = TestTokens.token(UUID.randomUUID(), "api@agency.test", portfolio.id(), "OWNER");

        Map<HttpResponse<String>, Integer> answers = Map.of(
                get("/logout"), 401,
                post("/logout", Map.of()), 401,
                browser.get("/logout", "Authorization", "Bearer " + token), 404);

        answers.forEach((logout, status) -> {
            assertThat(logout.statusCode()).as(logout.body()).isEqualTo(status);
            assertThat(logout.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        });
        assertThat(get("/console/portfolios/" + portfolio.id() + "/users").statusCode())
                .as("still signed in")
                .isEqualTo(200);
    }

    /** A redirect to a console address ending with {@code suffix}. */
    private static void assertRedirectsTo(HttpResponse<String> answer, String suffix) {
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(302);
        assertThat(answer.headers().firstValue("Location"))
                .hasValueSatisfying(location -> assertThat(location).endsWith(suffix));
    }

    private void endSession() {
        assertThat(jdbc.sql(
                                "DELETE FROM jobs.console_sessions WHERE session_id = encode(sha256(convert_to(?, 'UTF8')), 'hex')")
                        .param(browser.sessionId())
                        .update())
                .isOne();
    }

    private DirectorySeed.Portfolio portfolio() {
        return new DirectorySeed(jdbc).portfolio();
    }

    @Test
    void theSessionCookieIsHttpOnlyAndSameSiteAndNeverAuthenticatesAnApiCall() throws Exception {
        DirectorySeed.Portfolio portfolio = new DirectorySeed(jdbc).portfolio();
        portfolio.account("Brand Berlin");

        HttpResponse<String> signedIn = signIn("owner-" + UUID.randomUUID() + "@agency.test", "OWNER", portfolio);

        assertRedirectsTo(signedIn, "/console");
        List<String> cookies = signedIn.headers().allValues("Set-Cookie");
        assertThat(cookies)
                .filteredOn(cookie -> cookie.startsWith(ConsoleSession.COOKIE + "="))
                .singleElement()
                .satisfies(cookie -> assertThat(cookie).contains("HttpOnly", "SameSite=Lax"));
        assertThat(get("/console/portfolios/" + portfolio.id() + "/accounts").body())
                .contains("Brand Berlin");

        HttpResponse<String> api = get("/api/v1/portfolios/" + portfolio.id() + "/accounts");

        assertThat(api.statusCode()).isEqualTo(401);
        assertThat(api.headers().allValues("Set-Cookie")).isEmpty();
    }

    @Test
    void confirmingTheSameReviewTwiceMakesOneJob() throws Exception {
        DirectorySeed.Portfolio portfolio = new DirectorySeed(jdbc).portfolio();
        UUID ann = analystOn(portfolio, "Brand Paris");
        signIn("owner-" + UUID.randomUUID() + "@agency.test", "OWNER", portfolio);
        HttpResponse<String> review = post(
                "/console/portfolios/" + portfolio.id() + "/review",
                Map.of("action", "offboard", "userIds", ann.toString(), "_csrf", csrf()));
        assertThat(review.statusCode()).isEqualTo(200);
        assertThat(review.body()).contains("Review changes", "id=\"changes\">1<");
        Map<String, String> confirm = ConsoleBrowser.hiddenFields(review.body(), "confirm");
        assertThat(confirm).containsKeys("request", "idempotencyKey", "signature", "_csrf");

        HttpResponse<String> first = post("/console/portfolios/" + portfolio.id() + "/jobs", confirm);
        HttpResponse<String> second = post("/console/portfolios/" + portfolio.id() + "/jobs", confirm);

        assertThat(first.statusCode()).isEqualTo(302);
        assertThat(second.statusCode()).isEqualTo(302);
        assertThat(second.headers().firstValue("Location"))
                .isEqualTo(first.headers().firstValue("Location"))
                .hasValueSatisfying(location -> assertThat(location).contains("/jobs/"));
        assertThat(jobCount(portfolio)).isEqualTo(1);
    }

    /**
     * A Confirm sent while the job of an earlier Confirm of the same review is still being created (here
     * every write of the idempotency keys is held, as that earlier Confirm holds its key) leads to the
     * Jobs list, which says the job is being created and that nothing more was submitted; once the
     * earlier Confirm is through, Confirm again leads to its job. Before, it was an error page naming the
     * Idempotency-Key and saying to retry shortly.
     */
    @Test
    void aConfirmWhileTheSameReviewsJobIsBeingCreatedLeadsToTheJobsList(@Autowired DataSource dataSource)
            throws Exception {
        DirectorySeed.Portfolio portfolio = new DirectorySeed(jdbc).portfolio();
        UUID ann = analystOn(portfolio, "Brand Metz");
        signIn("owner-" + UUID.randomUUID() + "@agency.test", "OWNER", portfolio);
        HttpResponse<String> review = post(
                "/console/portfolios/" + portfolio.id() + "/review",
                Map.of("action", "offboard", "userIds", ann.toString(), "_csrf", csrf()));
        Map<String, String> confirm = ConsoleBrowser.hiddenFields(review.body(), "confirm");
        String jobs = "/console/portfolios/" + portfolio.id() + "/jobs";

        HttpResponse<String> meanwhile;
        try (Connection holder = dataSource.getConnection()) {
            holder.setAutoCommit(false);
            try (Statement lock = holder.createStatement()) {
                lock.execute("LOCK TABLE jobs.idempotency_keys IN EXCLUSIVE MODE");
                meanwhile = post(jobs, confirm);
            } finally {
                holder.rollback();
            }
        }

        assertThat(meanwhile.statusCode()).as(meanwhile.body()).isEqualTo(302);
        assertThat(meanwhile.headers().firstValue("Location"))
                .hasValueSatisfying(
                        location -> assertThat(URI.create(location).getPath()).isEqualTo(jobs));
        String list = ConsoleBrowser.unescape(get(jobs).body());
        assertThat(list)
                .contains("its job is still being created: nothing more was submitted")
                .doesNotContain("Idempotency-Key", "retry shortly");
        HttpResponse<String> again = post(jobs, confirm);
        assertThat(again.statusCode()).as(again.body()).isEqualTo(302);
        assertThat(again.headers().firstValue("Location"))
                .hasValueSatisfying(location -> assertThat(location).contains("/jobs/"));
        assertThat(jobCount(portfolio)).isEqualTo(1);
    }

    /**
     * The Users page shown once, its offboarding reviewed and confirmed, then reviewed again from the same
     * showing (Back to the review, whose form the browser sends again; or a second tab) and confirmed
     * again: one job, the second Confirm leading to the first one's page, which says so. Another request
     * from the same showing is another job. Before, each review made a new Idempotency-Key, so the second
     * Confirm made a second job with the same changes.
     */
    @Test
    void aReviewSentAgainFromTheSameFormConfirmsIntoTheSameJob() throws Exception {
        DirectorySeed.Portfolio portfolio = new DirectorySeed(jdbc).portfolio();
        UUID ann = analystOn(portfolio, "Brand Lyon");
        UUID bob = portfolio.user("bob");
        portfolio.member(portfolio.account("Brand Nice"), bob, AccountRole.ANALYST);
        signIn("owner-" + UUID.randomUUID() + "@agency.test", "OWNER", portfolio);
        HttpResponse<String> users = get("/console/portfolios/" + portfolio.id() + "/users");
        assertThat(users.statusCode()).isEqualTo(200);
        Map<String, String> form = new HashMap<>(ConsoleBrowser.formFields(users.body(), "bulk"));
        form.put("action", "offboard");
        form.put("userIds", ann.toString());
        String review = "/console/portfolios/" + portfolio.id() + "/review";
        String jobs = "/console/portfolios/" + portfolio.id() + "/jobs";

        HttpResponse<String> firstReview = post(review, form);
        HttpResponse<String> first = post(jobs, ConsoleBrowser.hiddenFields(firstReview.body(), "confirm"));
        HttpResponse<String> reviewAgain = post(review, form);
        HttpResponse<String> again = post(jobs, ConsoleBrowser.hiddenFields(reviewAgain.body(), "confirm"));

        assertThat(first.statusCode()).as(first.body()).isEqualTo(302);
        assertThat(again.statusCode()).as(again.body()).isEqualTo(302);
        String jobPage =
                URI.create(first.headers().firstValue("Location").orElseThrow()).getPath();
        assertThat(jobPage).contains("/jobs/");
        assertThat(again.headers().firstValue("Location"))
                .hasValueSatisfying(
                        location -> assertThat(URI.create(location).getPath()).isEqualTo(jobPage));
        assertThat(jobCount(portfolio)).isEqualTo(1);
        HttpResponse<String> shown = get(jobPage);
        assertThat(shown.statusCode()).isEqualTo(200);
        assertThat(ConsoleBrowser.unescape(shown.body()))
                .contains("This change was confirmed before", "nothing more was submitted");

        Map<String, String> changed = new HashMap<>(form);
        changed.put("userIds", bob.toString());
        HttpResponse<String> otherReview = post(review, changed);
        HttpResponse<String> other = post(jobs, ConsoleBrowser.hiddenFields(otherReview.body(), "confirm"));

        assertThat(other.statusCode()).as(other.body()).isEqualTo(302);
        assertThat(other.headers().firstValue("Location"))
                .hasValueSatisfying(location -> assertThat(URI.create(location).getPath())
                        .contains("/jobs/")
                        .isNotEqualTo(jobPage));
        assertThat(jobCount(portfolio)).isEqualTo(2);
        assertThat(taskUsers(portfolio)).containsExactlyInAnyOrder(ann, bob);
        assertThat(ConsoleBrowser.unescape(
                        get(URI.create(other.headers().firstValue("Location").orElseThrow())
                                        .getPath())
                                .body()))
                .doesNotContain("This change was confirmed before");
    }

    /**
     * Every form that leads to a review confirms into one job when reviewed twice from one showing: the
     * Users page's invitation, a user profile's role selector, and a review's "Change the role change"
     * sent as it is. Before, each review of them made a job of its own.
     */
    @Test
    void everyFormThatLeadsToAReviewConfirmsIntoOneJobWhenReviewedTwice() throws Exception {
        DirectorySeed.Portfolio portfolio = new DirectorySeed(jdbc).portfolio();
        UUID lisbon = portfolio.account("Brand Lisbon");
        UUID ann = analystOn(portfolio, "Brand Porto");
        UUID bob = portfolio.user("bob");
        portfolio.member(lisbon, bob, AccountRole.ANALYST);
        signIn("owner-" + UUID.randomUUID() + "@agency.test", "OWNER", portfolio);
        String jobs = "/console/portfolios/" + portfolio.id() + "/jobs";
        String review = "/console/portfolios/" + portfolio.id() + "/review";

        Map<String, String> invitation = new HashMap<>(ConsoleBrowser.hiddenFields(
                get("/console/portfolios/" + portfolio.id() + "/users").body(), "panel"));
        invitation.put("emails", "newcomer-" + UUID.randomUUID() + "@brand.example");
        invitation.put("language", "en");
        invitation.put("accountIds", lisbon.toString());
        invitation.put("role-" + lisbon, "SUPPORT");
        String invitations = "/console/portfolios/" + portfolio.id() + "/review/invitation";
        assertThat(confirmedTwice(portfolio, () -> post(invitations, invitation)))
                .isEqualTo(1);

        String profile = "/console/portfolios/" + portfolio.id() + "/users/" + ann;
        Map<String, String> roleChange =
                new HashMap<>(ConsoleBrowser.hiddenFields(get(profile).body(), "inline-form"));
        roleChange.put("role", "MANAGER");
        assertThat(confirmedTwice(portfolio, () -> post(profile + "/review", roleChange)))
                .isEqualTo(2);

        Map<String, String> bulk = new HashMap<>(ConsoleBrowser.formFields(
                get("/console/portfolios/" + portfolio.id() + "/users").body(), "bulk"));
        bulk.put("action", "change-role");
        bulk.put("userIds", bob.toString());
        bulk.put("accountIds", lisbon.toString());
        bulk.put("role", "MANAGER");
        HttpResponse<String> reviewed = post(review, bulk);
        HttpResponse<String> first = post(jobs, ConsoleBrowser.hiddenFields(reviewed.body(), "confirm"));
        Map<String, String> changeForm = new HashMap<>(ConsoleBrowser.formFields(reviewed.body(), "bulk-again"));
        changeForm.put("action", "change-role");
        HttpResponse<String> reviewedAgain = post(review, changeForm);
        HttpResponse<String> again = post(jobs, ConsoleBrowser.hiddenFields(reviewedAgain.body(), "confirm"));

        assertThat(first.statusCode()).as(first.body()).isEqualTo(302);
        assertThat(again.headers().firstValue("Location"))
                .isEqualTo(first.headers().firstValue("Location"));
        assertThat(jobCount(portfolio)).isEqualTo(3);
    }

    /**
     * Reviews what the form sends and confirms it, twice (Back to the review, whose form the browser sends
     * again, and Confirm); asserts that both Confirms lead to one job's page, and answers the portfolio's jobs.
     */
    private long confirmedTwice(DirectorySeed.Portfolio portfolio, FormSending review) throws Exception {
        String jobs = "/console/portfolios/" + portfolio.id() + "/jobs";
        HttpResponse<String> firstReview = review.send();
        assertThat(firstReview.statusCode()).as(firstReview.body()).isEqualTo(200);
        HttpResponse<String> first = post(jobs, ConsoleBrowser.hiddenFields(firstReview.body(), "confirm"));
        HttpResponse<String> again =
                post(jobs, ConsoleBrowser.hiddenFields(review.send().body(), "confirm"));
        assertThat(first.statusCode()).as(first.body()).isEqualTo(302);
        assertThat(again.headers().firstValue("Location"))
                .isEqualTo(first.headers().firstValue("Location"));
        return jobCount(portfolio);
    }

    /** A form sent by the test's browser. */
    @FunctionalInterface
    private interface FormSending {
        HttpResponse<String> send() throws Exception;
    }

    @Test
    void anEmptyJobsListSaysWhetherThePortfolioHasNoJobOrTheFiltersMatchNone() throws Exception {
        DirectorySeed.Portfolio portfolio = new DirectorySeed(jdbc).portfolio();
        signIn("owner-" + UUID.randomUUID() + "@agency.test", "OWNER", portfolio);
        String jobs = "/console/portfolios/" + portfolio.id() + "/jobs";

        HttpResponse<String> none = get(jobs);
        HttpResponse<String> anyOfBoth = get(jobs + "?status=&type=");
        HttpResponse<String> filtered = get(jobs + "?status=CANCELLED&type=");

        assertThat(none.body()).contains("No jobs yet.").doesNotContain("No job matches");
        assertThat(anyOfBoth.body()).contains("No jobs yet.").doesNotContain("No job matches");
        assertThat(filtered.statusCode()).isEqualTo(200);
        assertThat(filtered.body())
                .contains("No job matches these filters.", "<option value=\"CANCELLED\" selected=\"selected\">")
                .doesNotContain("No jobs yet.");
    }

    /**
     * A form's address opened again (a tab restored, Enter in the address bar) leads back to a page
     * (the cancel's address, a question, in {@link #cancellingAJobAsksFirstSayingWhatHappensToItsTasks}).
     */
    @Test
    void aReviewAddressOpenedAgainLeadsBackToItsPage() throws Exception {
        DirectorySeed.Portfolio portfolio = new DirectorySeed(jdbc).portfolio();
        UUID ann = analystOn(portfolio, "Brand Oslo");
        signIn("owner-" + UUID.randomUUID() + "@agency.test", "OWNER", portfolio);
        String base = "/console/portfolios/" + portfolio.id();

        for (String review : List.of("/review", "/review/invitation", "/review/page", "/users/" + ann + "/review")) {
            HttpResponse<String> opened = get(base + review);
            assertThat(opened.statusCode()).as(review).isEqualTo(302);
            assertThat(opened.headers().firstValue("Location"))
                    .as(review)
                    .hasValueSatisfying(location -> assertThat(location).endsWith(base + "/users"));
        }
    }

    /**
     * Cancel the job asks first, on a page reached by a link (no JavaScript), saying what happens: the
     * pending tasks are not applied, the applied ones stay. Only that page's form cancels; its way back
     * leads to the job, and the address opened again once the job has ended leads to the job too.
     */
    @Test
    void cancellingAJobAsksFirstSayingWhatHappensToItsTasks() throws Exception {
        DirectorySeed.Portfolio portfolio = new DirectorySeed(jdbc).portfolio();
        UUID ann = analystOn(portfolio, "Brand Quito");
        signIn("owner-" + UUID.randomUUID() + "@agency.test", "OWNER", portfolio);
        String job = offboardingJobPage(portfolio, ann);
        UUID jobId = UUID.fromString(job.substring(job.lastIndexOf('/') + 1));
        String page = get(job).body();
        assertThat(page).doesNotContainPattern("<form[^>]*action=\"[^\"]*/cancel\"");
        Matcher link = Pattern.compile("<a [^>]*id=\"cancel-job\"[^>]*href=\"([^\"]+)\"")
                .matcher(page);
        assertThat(link.find()).as(page).isTrue();

        HttpResponse<String> asked = get(ConsoleBrowser.unescape(link.group(1)));

        assertThat(asked.statusCode()).as(asked.body()).isEqualTo(200);
        assertThat(ConsoleBrowser.unescape(asked.body()))
                .contains("<title>Cancel job " + jobId.toString().substring(0, 8) + " (Offboard users)")
                .contains("Cancel the job " + jobId.toString().substring(0, 8) + " (Offboard users)?")
                .contains("pending tasks (1 now) are not applied", "Tasks already applied (0 so far) stay applied")
                .contains("cannot be resumed")
                .containsPattern("<a [^>]*href=\"" + Pattern.quote(job)
                        + "\"[^>]*id=\"confirm-cancel\"[^>]*>Keep the job running<");
        assertThat(jobStatus(jobId)).as("opening the question cancels nothing").isNotEqualTo("CANCELLED");

        HttpResponse<String> cancelled = post(job + "/cancel", ConsoleBrowser.hiddenFields(asked.body(), "confirm"));

        assertRedirectsTo(cancelled, job);
        assertThat(jobStatus(jobId)).isEqualTo("CANCELLED");
        assertThat(get(job).body())
                .contains("Cancelled: pending tasks will not be applied.")
                .doesNotContain("cancel-job");
        assertRedirectsTo(get(job + "/cancel"), job);
    }

    /**
     * With several gateways, the job's page after Cancel the job may be served by another than the one
     * that cancelled, whose status cache still holds a read from before (the job running). The page asks
     * for the job no older than the cancellation's tag, so it shows the job cancelled, without its
     * Cancel. Before, it showed the job running with its Cancel under the "Cancelled" notice.
     */
    @Test
    void theJobsPageAfterACancelShowsTheJobCancelledAlsoWhereAnOlderReadIsKept() throws Exception {
        DirectorySeed.Portfolio portfolio = new DirectorySeed(jdbc).portfolio();
        UUID ann = analystOn(portfolio, "Brand Lima");
        signIn("owner-" + UUID.randomUUID() + "@agency.test", "OWNER", portfolio);
        String job = offboardingJobPage(portfolio, ann);
        UUID jobId = UUID.fromString(job.substring(job.lastIndexOf('/') + 1));
        HttpResponse<String> asked = get(job + "/cancel");
        OtherGatewayReads.Read running = OtherGatewayReads.read(gateway, portfolio.id(), jobId);

        assertRedirectsTo(post(job + "/cancel", ConsoleBrowser.hiddenFields(asked.body(), "confirm")), job);
        OtherGatewayReads.keep(gateway, running);

        assertThat(get(job).body())
                .contains("Cancelled: pending tasks will not be applied.")
                .doesNotContain("cancel-job");
    }

    /**
     * The progress panel is kept in the browser's cache to be revalidated ({@code private, no-cache}),
     * where it outlives a sign-out on a shared computer: it holds the job's progress alone, not who
     * requested the job, which the job's page (not cached) shows.
     */
    @Test
    void theProgressPanelIsRevalidatedWithTheJobsETagAndTheTasksDownloadAsCsv() throws Exception {
        DirectorySeed.Portfolio portfolio = new DirectorySeed(jdbc).portfolio();
        UUID ann = analystOn(portfolio, "Brand Oslo");
        String owner = "owner-" + UUID.randomUUID() + "@agency.test";
        signIn(owner, "OWNER", portfolio);
        HttpResponse<String> confirmed = confirmOffboarding(portfolio, ann);
        String job = URI.create(confirmed.headers().firstValue("Location").orElseThrow())
                .getPath();

        HttpResponse<String> progress = get(job + "/progress");

        assertThat(progress.statusCode()).isEqualTo(200);
        assertThat(progress.body())
                .contains("id=\"job-status\"", "id=\"count-total\">1<")
                .doesNotContain(owner, "Requested by");
        HttpResponse<String> page = get(job);
        assertThat(page.body()).containsPattern("Requested by <span[^>]*>" + Pattern.quote(owner) + "</span>");
        // The title names the job and the portfolio, so that tabs of several jobs can be told apart.
        assertThat(page.body())
                .contains("<title>Job " + job.substring(job.lastIndexOf('/') + 1, job.lastIndexOf('/') + 9)
                        + " (Offboard users) · Portfolio " + portfolio.id() + " · Portfolio Bulk Access</title>");
        assertThat(page.headers().firstValue("Cache-Control"))
                .hasValueSatisfying(cache -> assertThat(cache).contains("no-store"));
        String etag = progress.headers().firstValue("ETag").orElseThrow();
        assertThat(progress.headers().firstValue("Cache-Control")).hasValue("private, no-cache");
        HttpResponse<String> unchanged = browser.get(job + "/progress", "If-None-Match", etag);
        assertThat(unchanged.statusCode()).isEqualTo(304);
        assertThat(unchanged.body()).isEmpty();

        HttpResponse<String> csv = get(job + "/tasks.csv");

        // The link is followed, not saved whatever it answers: the answer's own Content-Disposition makes
        // the CSV a download, while a signed-out session's sign-in page or a refusal shows as a page.
        assertThat(get(job).body())
                .containsPattern("<a [^>]*id=\"csv\"")
                .doesNotContainPattern("<a [^>]*id=\"csv\"[^>]*\\sdownload");
        assertThat(csv.statusCode()).isEqualTo(200);
        assertThat(csv.headers().firstValue("Content-Type"))
                .hasValueSatisfying(type -> assertThat(type).startsWith("text/csv"));
        assertThat(csv.headers().firstValue("Content-Disposition"))
                .hasValueSatisfying(disposition -> assertThat(disposition).startsWith("attachment"));
        assertThat(csv.body().lines().toList())
                .hasSize(2)
                .first()
                .isEqualTo(
                        "taskId,accountId,userId,email,action,previousRole,newRole,status,reason,error,attempts,appliedAt");
    }

    @Test
    void aRefusedTasksDownloadShowsTheApisProblemWithItsStatus() throws Exception {
        DirectorySeed.Portfolio portfolio = new DirectorySeed(jdbc).portfolio();
        UUID ann = analystOn(portfolio, "Brand Lima");
        signIn("owner-" + UUID.randomUUID() + "@agency.test", "OWNER", portfolio);
        String job = offboardingJobPage(portfolio, ann);
        UUID unknownJob = UUID.randomUUID();

        HttpResponse<String> badStatus = get(job + "/tasks.csv?status=bogus");
        HttpResponse<String> badReason = get(job + "/tasks.csv?reason=zz");
        HttpResponse<String> noSuchJob =
                get("/console/portfolios/" + portfolio.id() + "/jobs/" + unknownJob + "/tasks.csv");

        assertThat(badStatus.statusCode()).as(badStatus.body()).isEqualTo(400);
        assertThat(badReason.statusCode()).as(badReason.body()).isEqualTo(400);
        assertThat(noSuchJob.statusCode()).as(noSuchJob.body()).isEqualTo(404);
        for (HttpResponse<String> refused : List.of(badStatus, badReason, noSuchJob)) {
            assertThat(refused.headers().firstValue("Content-Type"))
                    .hasValueSatisfying(type -> assertThat(type).startsWith("text/html"));
            assertThat(refused.headers().firstValue("Content-Disposition")).isEmpty();
            assertThat(refused.body()).contains("role=\"alert\"", "Back to the console");
        }
        assertThat(ConsoleBrowser.unescape(badStatus.body()))
                .contains("Invalid 'status': 'bogus' is not one of [PENDING", "<strong>status</strong>");
        assertThat(ConsoleBrowser.unescape(badReason.body()))
                .contains("Invalid 'reason': 'zz' is not one of [OWNER_PROTECTED", "<strong>reason</strong>");
        assertThat(noSuchJob.body()).contains("There is no job " + unknownJob + " in this portfolio.");

        HttpResponse<String> csv = get(job + "/tasks.csv?status=PENDING");

        assertThat(csv.statusCode()).isEqualTo(200);
        assertThat(csv.headers().firstValue("Content-Type"))
                .hasValueSatisfying(type -> assertThat(type).startsWith("text/csv"));
        assertThat(csv.headers().firstValue("Content-Disposition"))
                .hasValueSatisfying(disposition -> assertThat(disposition).startsWith("attachment"));
        assertThat(csv.body().lines().findFirst())
                .hasValue(
                        "taskId,accountId,userId,email,action,previousRole,newRole,status,reason,error,attempts,appliedAt");
    }

    @Test
    void aViewOnlyAdministratorCannotSubmitEvenWithAForgedForm() throws Exception {
        DirectorySeed.Portfolio portfolio = new DirectorySeed(jdbc).portfolio();
        UUID ann = analystOn(portfolio, "Brand Rome");
        signIn("viewer-" + UUID.randomUUID() + "@agency.test", "USER_MANAGEMENT_VIEW", portfolio);

        HttpResponse<String> review = post(
                "/console/portfolios/" + portfolio.id() + "/review",
                Map.of("action", "offboard", "userIds", ann.toString(), "_csrf", csrf()));
        HttpResponse<String> forged = post(
                "/console/portfolios/" + portfolio.id() + "/jobs",
                Map.of(
                        "request",
                        offboarding(ann),
                        "idempotencyKey",
                        UUID.randomUUID().toString(),
                        "_csrf",
                        csrf()));

        assertThat(review.statusCode()).isEqualTo(403);
        assertThat(review.body()).contains("needs the Portfolio Owner or User Management EDIT");
        assertThat(forged.statusCode()).isEqualTo(400);
        assertThat(forged.body()).contains("Review the change again", "nothing was submitted");
        assertThat(jobCount(portfolio)).isZero();
    }

    @Test
    void confirmSubmitsOnlyTheReviewedRequestAndKey() throws Exception {
        DirectorySeed.Portfolio portfolio = new DirectorySeed(jdbc).portfolio();
        UUID ann = analystOn(portfolio, "Brand Turin");
        UUID bob = portfolio.user("bob");
        portfolio.member(portfolio.account("Brand Milan"), bob, AccountRole.ANALYST);
        signIn("owner-" + UUID.randomUUID() + "@agency.test", "OWNER", portfolio);
        HttpResponse<String> review = post(
                "/console/portfolios/" + portfolio.id() + "/review",
                Map.of("action", "offboard", "userIds", ann.toString(), "_csrf", csrf()));
        assertThat(review.statusCode()).isEqualTo(200);
        Map<String, String> reviewed = ConsoleBrowser.hiddenFields(review.body(), "confirm");
        String jobs = "/console/portfolios/" + portfolio.id() + "/jobs";

        Map<String, String> otherRequest = new HashMap<>(reviewed);
        otherRequest.put("request", offboarding(bob));
        Map<String, String> otherKey = new HashMap<>(reviewed);
        otherKey.put("idempotencyKey", UUID.randomUUID().toString());
        Map<String, String> unsigned = new HashMap<>(reviewed);
        unsigned.remove("signature");
        Map<String, String> otherSignature = new HashMap<>(reviewed);
        String signature = reviewed.get("signature");
        // Another first character, whatever this run's signature begins with.
        otherSignature.put("signature", (signature.startsWith("A") ? "B" : "A") + signature.substring(1));
        for (Map<String, String> tampered : List.of(otherRequest, otherKey, unsigned, otherSignature)) {
            HttpResponse<String> refused = post(jobs, tampered);

            assertThat(refused.statusCode()).as(tampered.toString()).isEqualTo(400);
            assertThat(refused.headers().firstValue("Content-Type"))
                    .hasValueSatisfying(type -> assertThat(type).startsWith("text/html"));
            assertThat(refused.body()).contains("<h1>Review the change again</h1>", "Back to the console");
        }
        HttpResponse<String> nextPage = post(
                "/console/portfolios/" + portfolio.id() + "/review/page",
                Map.of(
                        "request",
                        offboarding(bob),
                        "idempotencyKey",
                        reviewed.get("idempotencyKey"),
                        "signature",
                        reviewed.get("signature"),
                        "cursor",
                        "",
                        "_csrf",
                        csrf()));
        assertThat(nextPage.statusCode()).isEqualTo(400);
        assertThat(nextPage.body()).contains("Review the change again").doesNotContain(portfolio.email("bob"));
        assertThat(jobCount(portfolio)).isZero();

        HttpResponse<String> confirmed = post(jobs, reviewed);

        assertThat(confirmed.statusCode()).as(confirmed.body()).isEqualTo(302);
        assertThat(taskUsers(portfolio)).containsExactly(ann);
        assertThat(jobCount(portfolio)).isEqualTo(1);
    }

    /**
     * While the internal token secret is rotated, a review signed with the accepted secret's key (shown
     * by a gateway not rotated yet, or before the rotation) is confirmed; one signed with any other
     * secret is refused.
     */
    @Test
    void aReviewSignedWithTheAcceptedSecretIsConfirmed() throws Exception {
        DirectorySeed.Portfolio portfolio = new DirectorySeed(jdbc).portfolio();
        UUID ann = analystOn(portfolio, "Brand Verona");
        String email = "owner-" + UUID.randomUUID() + "@agency.test";
        signIn(email, "OWNER", portfolio);
        Map<String, String> reviewed = ConsoleBrowser.hiddenFields(
                post(
                                "/console/portfolios/" + portfolio.id() + "/review",
                                Map.of("action", "offboard", "userIds", ann.toString(), "_csrf", csrf()))
                        .body(),
                "confirm");
        String jobs = "/console/portfolios/" + portfolio.id() + "/jobs";
        ConsoleUser user = signedIn(email);
        Map<String, String> otherSecret = new HashMap<>(reviewed);
        otherSecret.put(
                "signature",
                new ReviewSignatures(new DerivedKeys("another-gateway-secret-0123456789abcdefgh", ""))
                        .sign(portfolio.id(), user, reviewed.get("request"), reviewed.get("idempotencyKey")));
        Map<String, String> acceptedSecret = new HashMap<>(reviewed);
        acceptedSecret.put(
                "signature",
                new ReviewSignatures(new DerivedKeys(TestTokens.ACCEPTED_INTERNAL_SECRET, ""))
                        .sign(portfolio.id(), user, reviewed.get("request"), reviewed.get("idempotencyKey")));

        HttpResponse<String> refused = post(jobs, otherSecret);
        assertThat(refused.statusCode()).isEqualTo(400);
        assertThat(refused.body()).contains("Review the change again");
        assertThat(jobCount(portfolio)).isZero();

        HttpResponse<String> confirmed = post(jobs, acceptedSecret);

        assertThat(confirmed.statusCode()).as(confirmed.body()).isEqualTo(302);
        assertThat(taskUsers(portfolio)).containsExactly(ann);
    }

    @Test
    void aReviewSignedForAnotherAdministratorOrPortfolioIsRefused() throws Exception {
        DirectorySeed seed = new DirectorySeed(jdbc);
        DirectorySeed.Portfolio portfolio = seed.portfolio();
        DirectorySeed.Portfolio other = seed.portfolio();
        UUID ann = analystOn(portfolio, "Brand Porto");
        signIn("owner-" + UUID.randomUUID() + "@agency.test", "OWNER", portfolio);
        Map<String, String> reviewed = ConsoleBrowser.hiddenFields(
                post(
                                "/console/portfolios/" + portfolio.id() + "/review",
                                Map.of("action", "offboard", "userIds", ann.toString(), "_csrf", csrf()))
                        .body(),
                "confirm");

        ConsoleBrowser colleague = new ConsoleBrowser(port);
        colleague.signIn("colleague-" + UUID.randomUUID() + "@agency.test", "OWNER", portfolio);
        Map<String, String> foreign = new HashMap<>(reviewed);
        foreign.put("_csrf", colleague.csrf());
        HttpResponse<String> byColleague = colleague.post("/console/portfolios/" + portfolio.id() + "/jobs", foreign);

        ConsoleBrowser owner = new ConsoleBrowser(port);
        owner.signIn("owner-" + UUID.randomUUID() + "@agency.test", "OWNER", other);
        Map<String, String> elsewhere = new HashMap<>(reviewed);
        elsewhere.put("_csrf", owner.csrf());
        HttpResponse<String> inOtherPortfolio = owner.post("/console/portfolios/" + other.id() + "/jobs", elsewhere);

        assertThat(byColleague.statusCode()).isEqualTo(400);
        assertThat(byColleague.body()).contains("Review the change again");
        assertThat(inOtherPortfolio.statusCode()).isEqualTo(400);
        assertThat(inOtherPortfolio.body()).contains("Review the change again");
        assertThat(jobCount(portfolio)).isZero();
        assertThat(jobCount(other)).isZero();
    }

    @Test
    void aLinkWithAMalformedIdShowsTheConsolesErrorPageWhileTheApiAnswersAProblem() throws Exception {
        DirectorySeed.Portfolio portfolio = new DirectorySeed(jdbc).portfolio();
        signIn("owner-" + UUID.randomUUID() + "@agency.test", "OWNER", portfolio);

        for (String link : List.of(
                "/console/portfolios/not-a-uuid/users",
                "/console/portfolios/" + portfolio.id() + "/jobs/not-a-uuid",
                "/console/portfolios/" + portfolio.id() + "/users/not-a-uuid",
                "/console/portfolios/" + portfolio.id() + "/accounts/not-a-uuid/activity")) {
            HttpResponse<String> page = get(link);

            assertThat(page.statusCode()).as(link).isEqualTo(400);
            assertThat(page.headers().firstValue("Content-Type"))
                    .hasValueSatisfying(type -> assertThat(type).startsWith("text/html"));
            assertThat(ConsoleBrowser.unescape(page.body()))
                    .contains("<h1>This link is not valid</h1>", "'not-a-uuid' is not a valid ")
                    .contains("Back to the console");
        }
        HttpResponse<String> cancel =
                post("/console/portfolios/" + portfolio.id() + "/jobs/not-a-uuid/cancel", Map.of("_csrf", csrf()));
        assertThat(cancel.statusCode()).isEqualTo(400);
        assertThat(cancel.body()).contains("This link is not valid");

        String token = TestTokens.token(UUID.randomUUID(), "api@agency.test", portfolio.id(), "OWNER");
        for (String path : List.of(
                "/api/v1/portfolios/not-a-uuid/users",
                "/api/v1/portfolios/" + portfolio.id() + "/bulk-jobs/not-a-uuid")) {
            HttpResponse<String> api = browser.get(path, "Authorization", "Bearer " + token);

            assertThat(api.statusCode()).as(path).isEqualTo(400);
            assertThat(api.headers().firstValue("Content-Type")).hasValue("application/problem+json");
            assertThat(api.body()).contains("\"title\":\"Invalid request parameter\"", "not-a-uuid");
        }
    }

    @Test
    void anAddressNoConsolePageAnswersShowsTheConsolesErrorPageWhileTheApiAnswersAProblem() throws Exception {
        DirectorySeed.Portfolio portfolio = new DirectorySeed(jdbc).portfolio();
        signIn("owner-" + UUID.randomUUID() + "@agency.test", "OWNER", portfolio);
        String console = "/console/portfolios/" + portfolio.id();

        Map<String, String> pages = Map.of(
                console + "/nothing-here", "404 There is no such page",
                console + "/admin/portfolio-users/" + UUID.randomUUID() + "/role", "405 There is no such page",
                console + "/users?q=%zz", "400 This link is not valid");
        for (Map.Entry<String, String> link : pages.entrySet()) {
            // As a browser sends it: Java's URI refuses the malformed escape.
            String answer = browser.getAsTyped(link.getKey());

            String[] expected = link.getValue().split(" ", 2);
            assertThat(answer).as(link.getKey()).startsWith("HTTP/1.1 " + expected[0] + " ");
            assertThat(answer.toLowerCase(Locale.ROOT)).as(link.getKey()).contains("content-type: text/html");
            assertThat(ConsoleBrowser.unescape(answer))
                    .as(link.getKey())
                    .contains(
                            "<h1>" + expected[1] + "</h1>",
                            "Open the page again from the console",
                            "Back to the console");
        }
        // The console's assets and the API keep their problem answers.
        assertThat(get("/console/assets/nothing.css").headers().firstValue("Content-Type"))
                .hasValue("application/problem+json");
        String token = TestTokens.token(UUID.randomUUID(), "api@agency.test", portfolio.id(), "OWNER");
        HttpResponse<String> api = browser.get(
                "/api/v1/portfolios/" + portfolio.id() + "/nothing-here", "Authorization", "Bearer " + token);
        assertThat(api.statusCode()).isEqualTo(404);
        assertThat(api.headers().firstValue("Content-Type")).hasValue("application/problem+json");
    }

    /**
     * A header value the gateway cannot read (outside printable ASCII, here "ключ" sent as UTF-8), refused by
     * the security filters before any console handler runs: htmx's {@code HX-Request} of a visitor whose
     * session ended, read to choose how to send them to sign in, and a form's {@code X-CSRF-TOKEN}, read by
     * the CSRF check. A browser gets the console's 400 page naming the header, as a console handler's
     * refusal of a header is, with the console's security headers; a client that asks for JSON, and the
     * API whatever is asked for, keep the problem. Before, each was the API's problem JSON on the console
     * page. A path the firewall refuses is the console's page too.
     */
    @Test
    void aHeaderTheSecurityFiltersCannotReadIsTheConsolesBadRequestPageWhileTheApiAnswersAProblem() throws Exception {
        DirectorySeed.Portfolio portfolio = new DirectorySeed(jdbc).portfolio();
        String page = "/console/portfolios/" + portfolio.id();
        String unreadable = new String("ключ".getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);

        RawHttp.Answer htmx = RawHttp.send(port, raw("GET " + page, "text/html", "HX-Request: " + unreadable));
        signIn("owner-" + UUID.randomUUID() + "@agency.test", "OWNER", portfolio);
        RawHttp.Answer form = RawHttp.send(
                port,
                raw(
                        "POST " + page + "/jobs/" + UUID.randomUUID() + "/cancel",
                        "text/html,application/xhtml+xml,*/*;q=0.8",
                        "Cookie: " + browser.cookieHeader() + "\r\nX-CSRF-TOKEN: " + unreadable
                                + "\r\nContent-Length: 0"));
        // So is what the firewall refuses before any filter: a path with a sequence it does not allow.
        RawHttp.Answer path =
                RawHttp.send(port, raw("GET " + page + ";x=1", "text/html", "Cookie: " + browser.cookieHeader()));

        Map<String, RawHttp.Answer> pages = Map.of("HX-Request", htmx, "X-CSRF-TOKEN", form, "path", path);
        for (Map.Entry<String, RawHttp.Answer> refused : pages.entrySet()) {
            RawHttp.Answer answer = refused.getValue();
            assertThat(answer.status()).as(answer.raw()).isEqualTo(400);
            assertThat(answer.header("Content-Type")).as(answer.raw()).startsWith("text/html");
            assertThat(answer.header("Content-Security-Policy")).contains("style-src 'self'");
            assertThat(ConsoleBrowser.unescape(answer.body()))
                    .as(answer.raw())
                    .contains("<html lang=\"en\">", "Invalid '" + refused.getKey() + "': holds ", "Back to the console")
                    .doesNotContain("\"type\"");
        }

        // Asked for JSON, the console's address answers the problem; the API always does.
        RawHttp.Answer json =
                RawHttp.send(port, raw("GET " + page, "application/problem+json", "HX-Request: " + unreadable));
        RawHttp.Answer bearer = RawHttp.send(
                port,
                raw(
                        "GET /api/v1/portfolios/" + portfolio.id() + "/users",
                        "text/html",
                        "Authorization: " + unreadable));
        for (RawHttp.Answer answer : List.of(json, bearer)) {
            assertThat(answer.status()).as(answer.raw()).isEqualTo(400);
            assertThat(answer.header("Content-Type")).as(answer.raw()).isEqualTo("application/problem+json");
            assertThat(answer.body()).contains("\"type\":\"urn:portfolio-bulk:problem:invalid-request\"");
        }
        assertThat(json.body()).contains("\"field\":\"HX-Request\"");
        assertThat(bearer.body()).contains("\"field\":\"Authorization\"");
    }

    /** A request as sent, with {@code Accept} and the further header lines. */
    private String raw(String requestLine, String accept, String headers) {
        return requestLine + " HTTP/1.1\r\nHost: localhost:" + port + "\r\nAccept: " + accept
                + "\r\nConnection: close\r\n" + headers + "\r\n\r\n";
    }

    /** The console's address with a trailing slash, as a browser often completes it, opens the console too. */
    @Test
    void theConsolesAddressWithATrailingSlashOpensTheConsole() throws Exception {
        DirectorySeed.Portfolio portfolio = new DirectorySeed(jdbc).portfolio();
        signIn("owner-" + UUID.randomUUID() + "@agency.test", "OWNER", portfolio);

        HttpResponse<String> home = get("/console/");

        assertThat(home.statusCode()).as(home.body()).isEqualTo(302);
        assertThat(home.headers().firstValue("Location"))
                .hasValueSatisfying(location -> assertThat(location).endsWith("/console/portfolios/" + portfolio.id()));
    }

    @Test
    void aFormWithoutOneOfItsFieldsShowsTheConsolesErrorPageAndChangesNothing() throws Exception {
        DirectorySeed.Portfolio portfolio = new DirectorySeed(jdbc).portfolio();
        UUID vera = portfolio.user("vera");
        jdbc.sql("INSERT INTO jobs.portfolio_users (portfolio_id, user_id, email, role)"
                        + " VALUES (:p, :u, :e, 'USER_MANAGEMENT_VIEW')")
                .param("p", portfolio.id())
                .param("u", vera)
                .param("e", portfolio.email("vera"))
                .update();
        signIn("owner-" + UUID.randomUUID() + "@agency.test", "OWNER", portfolio);

        HttpResponse<String> page = post(
                "/console/portfolios/" + portfolio.id() + "/admin/portfolio-users/" + vera + "/role",
                Map.of("_csrf", csrf()));

        assertThat(page.statusCode()).isEqualTo(400);
        assertThat(page.headers().firstValue("Content-Type"))
                .hasValueSatisfying(type -> assertThat(type).startsWith("text/html"));
        assertThat(ConsoleBrowser.unescape(page.body()))
                .contains("<h1>This form is not complete</h1>", "without its field 'role'", "Back to the console");
        HttpResponse<String> unknownAction = post(
                "/console/portfolios/" + portfolio.id() + "/review",
                Map.of("_csrf", csrf(), "action", "drop-everything", "userIds", vera.toString()));
        assertThat(unknownAction.statusCode()).isEqualTo(400);
        assertThat(ConsoleBrowser.unescape(unknownAction.body()))
                .contains("'drop-everything' is not an action of the Users page")
                .doesNotContain("Review changes");
        assertThat(jdbc.sql("SELECT role FROM jobs.portfolio_users WHERE portfolio_id = :p AND user_id = :u")
                        .param("p", portfolio.id())
                        .param("u", vera)
                        .query(String.class)
                        .single())
                .isEqualTo("USER_MANAGEMENT_VIEW");
    }

    /** A user who is an Analyst on a new account of the portfolio. */
    private static UUID analystOn(DirectorySeed.Portfolio portfolio, String accountName) {
        UUID user = portfolio.user("ann");
        portfolio.member(portfolio.account(accountName), user, AccountRole.ANALYST);
        return user;
    }

    /** Confirms an offboarding of the user; answers the path of its job's page, where the console leads. */
    private String offboardingJobPage(DirectorySeed.Portfolio portfolio, UUID user) throws Exception {
        return URI.create(confirmOffboarding(portfolio, user)
                        .headers()
                        .firstValue("Location")
                        .orElseThrow())
                .getPath();
    }

    /** Reviews an offboarding of the user and confirms it, as the Review Changes page does. */
    private HttpResponse<String> confirmOffboarding(DirectorySeed.Portfolio portfolio, UUID user) throws Exception {
        HttpResponse<String> review = post(
                "/console/portfolios/" + portfolio.id() + "/review",
                Map.of("action", "offboard", "userIds", user.toString(), "_csrf", csrf()));
        assertThat(review.statusCode()).as(review.body()).isEqualTo(200);
        return post(
                "/console/portfolios/" + portfolio.id() + "/jobs",
                ConsoleBrowser.hiddenFields(review.body(), "confirm"));
    }

    /** The job request of an offboarding of the user. */
    private static String offboarding(UUID user) {
        return "{\"type\":\"OFFBOARD_USERS\",\"userIds\":[\"" + user + "\"]}";
    }

    private List<UUID> taskUsers(DirectorySeed.Portfolio portfolio) {
        return jdbc.sql("SELECT DISTINCT user_id FROM jobs.bulk_tasks WHERE portfolio_id = :p")
                .param("p", portfolio.id())
                .query(UUID.class)
                .list();
    }

    private String jobStatus(UUID job) {
        return jdbc.sql("SELECT status FROM jobs.bulk_jobs WHERE id = :id")
                .param("id", job)
                .query(String.class)
                .single();
    }

    private long jobCount(DirectorySeed.Portfolio portfolio) {
        return jdbc.sql("SELECT count(*) FROM jobs.bulk_jobs WHERE portfolio_id = :p")
                .param("p", portfolio.id())
                .query(Long.class)
                .single();
    }

    /** The administrator the stored session of {@code email} holds. */
    private ConsoleUser signedIn(String email) {
        byte[] stored = jdbc.sql("""
                        SELECT a.attribute_bytes FROM jobs.console_sessions_attributes a
                          JOIN jobs.console_sessions s ON s.primary_id = a.session_primary_id
                         WHERE s.principal_name = ? AND a.attribute_name = 'SPRING_SECURITY_CONTEXT'""").param(email).query(byte[].class).single();
        SecurityContext context = (SecurityContext)
                SealedSessionsTests.sessions(TestTokens.INTERNAL_SECRET, "").convert(stored, Object.class);
        return (ConsoleUser) context.getAuthentication();
    }

    private HttpResponse<String> signIn(String email, String permission, DirectorySeed.Portfolio portfolio)
            throws Exception {
        return browser.signIn(email, permission, portfolio);
    }

    private String csrf() throws Exception {
        return browser.csrf();
    }

    private HttpResponse<String> get(String path) throws Exception {
        return browser.get(path);
    }

    private HttpResponse<String> post(String path, Map<String, String> form) throws Exception {
        return browser.post(path, form);
    }
}
