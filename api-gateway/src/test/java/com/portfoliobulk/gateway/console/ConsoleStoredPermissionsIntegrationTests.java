package com.portfoliobulk.gateway.console;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.gateway.GatewayApplication;
import com.portfoliobulk.testsupport.DirectorySeed;
import com.portfoliobulk.testsupport.TestTokens;
import java.net.CookieManager;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * With permissions held in the database (the default outside the tests), the console shows what the
 * API allows the signed-in administrator: their stored portfolio role, whatever their token claims. They
 * sign in with the demo sign-in or through an identity provider (a stand-in, {@code corp}).
 */
@SpringBootTest(
        webEnvironment = WebEnvironment.RANDOM_PORT,
        properties = {
            "spring.config.name=" + GatewayApplication.CONFIG_NAME,
            "bulk.gateway.console.demo-sign-in=true",
            "bulk.gateway.permissions.source=database",
            "spring.security.oauth2.client.registration.corp.client-id=bulk-console",
            "spring.security.oauth2.client.registration.corp.client-secret=console-secret",
            "spring.security.oauth2.client.registration.corp.client-name=Corporate SSO",
            "spring.security.oauth2.client.registration.corp.authorization-grant-type=authorization_code",
            "spring.security.oauth2.client.registration.corp.redirect-uri={baseUrl}/login/oauth2/code/{registrationId}",
            "spring.security.oauth2.client.registration.corp.scope=email,bulk-api",
            "spring.security.oauth2.client.provider.corp.authorization-uri=https://idp.example/authorize",
            "spring.security.oauth2.client.provider.corp.user-name-attribute=sub"
        })
class ConsoleStoredPermissionsIntegrationTests {

    private static final Pattern CSRF_FIELD = Pattern.compile("name=\"_csrf\" value=\"([^\"]+)\"");

    private static final StandInIdentityProvider PROVIDER = new StandInIdentityProvider();

    @LocalServerPort
    private int port;

    @Autowired
    private JdbcClient jdbc;

    @DynamicPropertySource
    static void provider(DynamicPropertyRegistry properties) {
        properties.add("spring.security.oauth2.client.provider.corp.token-uri", () -> PROVIDER.url("/token"));
        properties.add("spring.security.oauth2.client.provider.corp.user-info-uri", () -> PROVIDER.url("/userinfo"));
    }

    @AfterAll
    static void stopProvider() {
        PROVIDER.stop();
    }

    @Test
    void theStoredRoleDecidesWhatTheConsoleShowsNotTheTokensClaim() throws Exception {
        DirectorySeed.Portfolio portfolio = new DirectorySeed(jdbc).portfolio();
        String editor = "editor-" + UUID.randomUUID() + "@agency.test";
        storePortfolioUser(portfolio, editor, "USER_MANAGEMENT_EDIT");
        String users = "/console/portfolios/" + portfolio.id() + "/users";

        HttpClient editorBrowser = browser();
        signIn(editorBrowser, editor, "USER_MANAGEMENT_VIEW", portfolio);
        HttpResponse<String> editorsPage = get(editorBrowser, users);

        HttpClient strangerBrowser = browser();
        signIn(strangerBrowser, "stranger-" + UUID.randomUUID() + "@agency.test", "OWNER", portfolio);
        HttpResponse<String> strangersPage = get(strangerBrowser, users);

        assertThat(editorsPage.statusCode()).as(editorsPage.body()).isEqualTo(200);
        assertThat(editorsPage.body()).as("an editor may change access").doesNotContain("id=\"view-only\"");
        assertThat(strangersPage.statusCode())
                .as("a token claiming Owner without a stored role sees no portfolio")
                .isEqualTo(404);
    }

    @Test
    void aRoleThatAdministersWithoutReadingUsersOpensOnAdministrationWithoutTheUsersAccountsAndJobsPages()
            throws Exception {
        DirectorySeed.Portfolio portfolio = new DirectorySeed(jdbc).portfolio();
        jdbc.sql("""
                        INSERT INTO jobs.portfolio_roles (portfolio_id, code, name, permissions)
                        VALUES (:portfolio, 'TEAM_ADMIN', 'Team admin', ARRAY['PORTFOLIO_USERS_MANAGE'])""").param("portfolio", portfolio.id()).update();
        String teamAdmin = "team-admin-" + UUID.randomUUID() + "@agency.test";
        storePortfolioUser(portfolio, teamAdmin, "TEAM_ADMIN");
        HttpClient browser = browser();
        signIn(browser, teamAdmin, "USER_MANAGEMENT_VIEW", portfolio);

        HttpResponse<String> home = get(browser, "/console");
        assertThat(home.headers().firstValue("Location"))
                .hasValueSatisfying(location -> assertThat(location).endsWith("/console/portfolios/" + portfolio.id()));
        HttpResponse<String> landing = get(browser, "/console/portfolios/" + portfolio.id());
        assertThat(landing.headers().firstValue("Location"))
                .as("the first page of a role that does not read users")
                .hasValueSatisfying(
                        location -> assertThat(location).endsWith("/console/portfolios/" + portfolio.id() + "/admin"));
        HttpResponse<String> admin = get(browser, "/console/portfolios/" + portfolio.id() + "/admin");
        assertThat(admin.statusCode()).as(admin.body()).isEqualTo(200);
        assertThat(admin.body())
                .contains("/console/portfolios/" + portfolio.id() + "/admin")
                .doesNotContain(
                        "/console/portfolios/" + portfolio.id() + "/users\"",
                        "/console/portfolios/" + portfolio.id() + "/jobs\"");

        HttpResponse<String> users = get(browser, "/console/portfolios/" + portfolio.id() + "/users");
        assertThat(users.statusCode()).isEqualTo(403);
        assertThat(users.body()).contains("needs the Portfolio Owner, User Management EDIT or User Management VIEW");
    }

    /**
     * An identity provider that keys the access token's {@code portfolios} claim by portfolio names, not
     * ids: the API does not read the claim with stored permissions, and accepts the token, so the console
     * signs in with it, and the stored role decides. The sign-in was refused ({@code ?rejected}): the
     * console read the claim, and a key that is not a portfolio id refused the token.
     */
    @Test
    void aSignInThroughTheIdentityProviderDoesNotReadAPortfoliosClaimOfNames() throws Exception {
        DirectorySeed.Portfolio portfolio = new DirectorySeed(jdbc).portfolio();
        UUID userId = UUID.randomUUID();
        String email = "sso-" + userId + "@agency.test";
        storePortfolioUser(portfolio, userId, email, "USER_MANAGEMENT_EDIT");
        PROVIDER.issue(
                userId,
                TestTokens.sign(
                        TestTokens.DEVELOPMENT_SECRET,
                        userId,
                        email,
                        Map.of("acme", List.of("OWNER")),
                        Instant.now().plus(Duration.ofHours(1))));
        ConsoleBrowser browser = new ConsoleBrowser(port);

        HttpResponse<String> back = PROVIDER.signIn(browser, "corp");

        assertThat(back.headers().firstValue("Location"))
                .hasValueSatisfying(location -> assertThat(location).doesNotContain("sign-in"));
        HttpResponse<String> users = browser.get("/console/portfolios/" + portfolio.id() + "/users");
        assertThat(users.statusCode()).as(users.body()).isEqualTo(200);
        assertThat(users.body())
                .contains(email)
                .as("an editor may change access")
                .doesNotContain("id=\"view-only\"");
    }

    /** Gives the address (the demo sign-in's user id is derived from it) this stored portfolio role. */
    private void storePortfolioUser(DirectorySeed.Portfolio portfolio, String email, String role) {
        storePortfolioUser(portfolio, UUID.nameUUIDFromBytes(email.getBytes(StandardCharsets.UTF_8)), email, role);
    }

    /** Gives the user this stored portfolio role. */
    private void storePortfolioUser(DirectorySeed.Portfolio portfolio, UUID userId, String email, String role) {
        jdbc.sql("INSERT INTO jobs.portfolio_users (portfolio_id, user_id, email, role)"
                        + " VALUES (:portfolio, :user, :email, :role)")
                .param("portfolio", portfolio.id())
                .param("user", userId)
                .param("email", email)
                .param("role", role)
                .update();
    }

    private static HttpClient browser() {
        return HttpClient.newBuilder()
                .cookieHandler(new CookieManager())
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    private void signIn(HttpClient browser, String email, String permission, DirectorySeed.Portfolio portfolio)
            throws Exception {
        String page =
                get(browser, "/console/sign-in?portfolio=" + portfolio.id()).body();
        Matcher csrf = CSRF_FIELD.matcher(page);
        assertThat(csrf.find()).as(page).isTrue();
        String form = "email=" + URLEncoder.encode(email, StandardCharsets.UTF_8) + "&permission=" + permission
                + "&portfolio=" + portfolio.id() + "&_csrf="
                + URLEncoder.encode(csrf.group(1).replace("&#45;", "-"), StandardCharsets.UTF_8);
        HttpResponse<String> signedIn = browser.send(
                HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/console/sign-in"))
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .POST(HttpRequest.BodyPublishers.ofString(form))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(signedIn.statusCode()).as(signedIn.body()).isEqualTo(302);
    }

    private HttpResponse<String> get(HttpClient browser, String path) throws Exception {
        return browser.send(
                HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
