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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
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
     * The header says "View only" to an administrator the console offers no change, on every page: not
     * to one whose role changes portfolio users' roles on Administration without changing access (before,
     * it did, above a working "Change role" form); still to one whose role manages portfolio users but
     * may give no role, and to a viewer.
     */
    @Test
    void onlyAnAdministratorTheConsoleOffersNoChangeIsToldViewOnly() throws Exception {
        DirectorySeed.Portfolio portfolio = new DirectorySeed(jdbc).portfolio();
        jdbc.sql("""
                        INSERT INTO jobs.portfolio_roles (portfolio_id, code, name, permissions) VALUES
                          (:portfolio, 'STEWARD', 'Steward',
                           ARRAY['USER_MANAGEMENT_VIEW', 'PORTFOLIO_USERS_MANAGE', 'ACCOUNT_ROLES_MANAGE']),
                          (:portfolio, 'TEAM_ADMIN', 'Team admin', ARRAY['PORTFOLIO_USERS_MANAGE'])""").param("portfolio", portfolio.id()).update();
        UUID vera = portfolio.user("vera");
        storePortfolioUser(portfolio, vera, portfolio.email("vera"), "USER_MANAGEMENT_VIEW");
        Map<String, String> roles = new LinkedHashMap<>();
        roles.put("steward-" + UUID.randomUUID() + "@agency.test", "STEWARD");
        roles.put("team-admin-" + UUID.randomUUID() + "@agency.test", "TEAM_ADMIN");
        roles.put("viewer-" + UUID.randomUUID() + "@agency.test", "USER_MANAGEMENT_VIEW");
        String console = "/console/portfolios/" + portfolio.id();

        Map<String, List<Boolean>> viewOnly = new LinkedHashMap<>();
        for (Map.Entry<String, String> role : roles.entrySet()) {
            storePortfolioUser(portfolio, role.getKey(), role.getValue());
            HttpClient browser = browser();
            signIn(browser, role.getKey(), "USER_MANAGEMENT_VIEW", portfolio);
            HttpResponse<String> admin = get(browser, console + "/admin");
            HttpResponse<String> integrations = get(browser, console + "/integrations");
            assertThat(admin.statusCode()).as(admin.body()).isEqualTo(200);
            if (role.getValue().equals("STEWARD")) {
                assertThat(roleRow(admin.body(), portfolio.email("vera")))
                        .as("the steward changes Vera's role")
                        .contains("<form");
            }
            viewOnly.put(
                    role.getValue(),
                    List.of(
                            admin.body().contains("id=\"view-only\""),
                            integrations.body().contains("id=\"view-only\"")));
        }

        assertThat(viewOnly)
                .containsEntry("STEWARD", List.of(false, false))
                .containsEntry("TEAM_ADMIN", List.of(true, true))
                .containsEntry("USER_MANAGEMENT_VIEW", List.of(true, true));
    }

    /**
     * The Administration page offers a portfolio user's role selector, and in it the roles, exactly
     * where the API accepts the change from the signed-in administrator: an Admin changes neither their
     * own role nor another Admin's, and grants neither Admin nor a role that manages portfolio users; a
     * role that only manages portfolio users holds none of the permissions the others' roles have, and
     * may grant no role at all. Every other row shows the lock with the reason. Each pair of row and
     * role is sent: the page offered it exactly when the API accepts it.
     */
    @Test
    void theRoleSelectorsOfferExactlyTheChangesTheApiAcceptsFromANonOwner() throws Exception {
        DirectorySeed.Portfolio portfolio = new DirectorySeed(jdbc).portfolio();
        jdbc.sql("""
                        INSERT INTO jobs.portfolio_roles (portfolio_id, code, name, permissions) VALUES
                          (:portfolio, 'TEAM_ADMIN', 'Team admin', ARRAY['PORTFOLIO_USERS_MANAGE']),
                          (:portfolio, 'BRAND_AUDITOR', 'Brand auditor', ARRAY['USER_MANAGEMENT_VIEW'])""").param("portfolio", portfolio.id()).update();
        Map<String, String> roles = new LinkedHashMap<>();
        roles.put("olga", "OWNER");
        roles.put("ada", "ADMIN");
        roles.put("abe", "ADMIN");
        roles.put("eve", "USER_MANAGEMENT_EDIT");
        roles.put("vic", "USER_MANAGEMENT_VIEW");
        roles.put("bea", "BRAND_AUDITOR");
        roles.put("tom", "TEAM_ADMIN");
        roles.put("tess", "TEAM_ADMIN");
        Map<String, UUID> ids = new LinkedHashMap<>();
        roles.forEach((name, role) -> {
            ids.put(name, portfolio.user(name));
            storePortfolioUser(portfolio, ids.get(name), portfolio.email(name), role);
        });
        List<String> grantable =
                List.of("ADMIN", "USER_MANAGEMENT_EDIT", "USER_MANAGEMENT_VIEW", "BRAND_AUDITOR", "TEAM_ADMIN");
        String admin = "/console/portfolios/" + portfolio.id() + "/admin";

        Map<String, Set<String>> offeredToAda = new LinkedHashMap<>();
        Map<String, Set<String>> offeredToTess = new LinkedHashMap<>();
        for (String caller : List.of("ada", "tess")) {
            ConsoleBrowser browser = new ConsoleBrowser(port);
            browser.signIn(portfolio.email(caller), "USER_MANAGEMENT_VIEW", portfolio);
            HttpResponse<String> page = browser.get(admin);
            assertThat(page.statusCode()).as(page.body()).isEqualTo(200);
            Map<String, Set<String>> offered = caller.equals("ada") ? offeredToAda : offeredToTess;
            List<String> mismatches = new ArrayList<>();
            for (String name : roles.keySet()) {
                String row = roleRow(page.body(), portfolio.email(name));
                offered.put(name, offeredRoles(row));
                if (offered.get(name).isEmpty()) {
                    assertThat(row)
                            .as("a row without a form shows the lock and why, as text")
                            .containsPattern("class=\"lock\" aria-hidden=\"true\"")
                            .containsPattern("<span class=\"muted lock-reason\">[^<]{20,}</span>")
                            .doesNotContain("<form");
                }
                for (String role : grantable) {
                    HttpResponse<String> sent = browser.post(
                            admin + "/portfolio-users/" + ids.get(name) + "/role",
                            Map.of("role", role, "_csrf", browser.csrf()));
                    boolean accepted = sent.statusCode() == 302;
                    if (accepted != offered.get(name).contains(role)) {
                        mismatches.add(caller + " -> " + name + " (" + roles.get(name) + ") as " + role + ": "
                                + (accepted ? "accepted but not offered" : "offered but refused " + sent.statusCode()));
                    }
                    if (accepted) {
                        storedRole(portfolio, ids.get(name), roles.get(name));
                    }
                }
            }
            assertThat(mismatches)
                    .as("offered by the page versus accepted by the API")
                    .isEmpty();
        }

        Set<String> others = Set.of("USER_MANAGEMENT_EDIT", "USER_MANAGEMENT_VIEW", "BRAND_AUDITOR");
        assertThat(offeredToAda)
                .containsEntry("olga", Set.of())
                .containsEntry("ada", Set.of())
                .containsEntry("abe", Set.of())
                .containsEntry("eve", others)
                .containsEntry("vic", others)
                .containsEntry("bea", others)
                .containsEntry("tom", others);
        assertThat(offeredToTess.values())
                .as("a role that only manages portfolio users grants none")
                .allMatch(Set::isEmpty);
    }

    /** The row of the portfolio user of this address on the Administration page. */
    private static String roleRow(String page, String email) {
        Matcher row = Pattern.compile(
                        "<tr[^>]*data-email=\"" + Pattern.quote(email) + "\"[^>]*>(.*?)</tr>", Pattern.DOTALL)
                .matcher(page);
        assertThat(row.find()).as(email + " in " + page).isTrue();
        return row.group(1);
    }

    /** The roles the row's selector offers (by code), none when the row has no form. */
    private static Set<String> offeredRoles(String row) {
        Set<String> offered = new TreeSet<>();
        if (row.contains("<form")) {
            Matcher option = Pattern.compile("<option value=\"([^\"]+)\"").matcher(row);
            while (option.find()) {
                offered.add(option.group(1));
            }
        }
        return offered;
    }

    private void storedRole(DirectorySeed.Portfolio portfolio, UUID userId, String role) {
        jdbc.sql("UPDATE jobs.portfolio_users SET role = :role WHERE portfolio_id = :portfolio AND user_id = :user")
                .param("portfolio", portfolio.id())
                .param("user", userId)
                .param("role", role)
                .update();
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
