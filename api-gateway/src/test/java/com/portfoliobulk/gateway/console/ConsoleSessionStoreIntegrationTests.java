package com.portfoliobulk.gateway.console;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.testsupport.DirectorySeed;
import com.portfoliobulk.testsupport.TestTokens;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.core.convert.ConversionService;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The console's sessions live in PostgreSQL ({@code jobs.console_sessions}), not in the gateway's
 * memory: what the session table holds is what signs an administrator in, sign-out deletes it, and the
 * bearer-only API never writes a session.
 */
@ConsoleIntegrationTest
class ConsoleSessionStoreIntegrationTests {

    @LocalServerPort
    private int port;

    @Autowired
    private JdbcClient jdbc;

    @Test
    void aSignedInAdministratorIsTheSessionRowAndSignOutDeletesIt() throws Exception {
        DirectorySeed.Portfolio portfolio = new DirectorySeed(jdbc).portfolio();
        String email = "session-" + UUID.randomUUID() + "@agency.test";
        ConsoleBrowser browser = new ConsoleBrowser(port);
        assertThat(browser.signIn(email, "OWNER", portfolio).statusCode()).isEqualTo(302);

        assertThat(sessionsOf(email)).as("sessions stored for %s", email).isOne();
        assertThat(jdbc.sql("""
                        SELECT count(*) FROM jobs.console_sessions_attributes a
                          JOIN jobs.console_sessions s ON s.primary_id = a.session_primary_id
                         WHERE s.principal_name = ? AND a.attribute_name = 'SPRING_SECURITY_CONTEXT'""").param(email).query(Long.class).single())
                .as("the signed-in administrator is an attribute of the stored session")
                .isOne();
        assertThat(jdbc.sql("""
                        SELECT a.attribute_bytes FROM jobs.console_sessions_attributes a
                          JOIN jobs.console_sessions s ON s.primary_id = a.session_primary_id
                         WHERE s.principal_name = ?""")
                        .param(email)
                        .query((row, n) -> new String(row.getBytes(1), StandardCharsets.ISO_8859_1))
                        .list())
                .as("the stored attributes: sealed, so neither the address nor the bearer token (a JWT) is readable")
                .isNotEmpty()
                .allSatisfy(stored -> assertThat(stored).doesNotContain(email).doesNotContain("eyJ"));
        assertThat(browser.get(usersPage(portfolio)).statusCode()).isEqualTo(200);

        HttpResponse<String> signOut = browser.post("/console/sign-out", Map.of("_csrf", browser.csrf()));
        assertThat(signOut.statusCode()).isEqualTo(302);
        assertThat(sessionsOf(email))
                .as("sessions stored for %s after sign-out", email)
                .isZero();
        assertThat(browser.get(usersPage(portfolio)).headers().firstValue("Location"))
                .hasValueSatisfying(location -> assertThat(location).endsWith("/console/sign-in"));
    }

    /**
     * The table holds a digest of each session id, not the id the cookie carries: a stored value set as
     * the cookie signs no one in, while the administrator's own cookie goes on working, through signing
     * in (which changes the id) and on every page after it.
     */
    @Test
    void theTableHoldsADigestOfTheSessionIdAndAStoredValueSignsNoOneIn() throws Exception {
        DirectorySeed.Portfolio portfolio = new DirectorySeed(jdbc).portfolio();
        String email = "digest-" + UUID.randomUUID() + "@agency.test";
        ConsoleBrowser browser = new ConsoleBrowser(port);
        browser.signIn(email, "OWNER", portfolio);
        String stored = jdbc.sql("SELECT session_id FROM jobs.console_sessions WHERE principal_name = ?")
                .param(email)
                .query(String.class)
                .single();

        assertThat(stored)
                .as("the stored id of the session whose cookie carries %s", browser.sessionId())
                .isNotEqualTo(browser.sessionId())
                .isEqualTo(HexFormat.of()
                        .formatHex(MessageDigest.getInstance("SHA-256")
                                .digest(browser.sessionId().getBytes(StandardCharsets.UTF_8))));
        assertThat(browser.get(usersPage(portfolio)).statusCode()).isEqualTo(200);

        ConsoleBrowser reader = new ConsoleBrowser(port);
        String cookie = "BULK_CONSOLE=" + Base64.getEncoder().encodeToString(stored.getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> withStoredValue = reader.get(usersPage(portfolio), "Cookie", cookie);
        assertThat(withStoredValue.statusCode()).isEqualTo(302);
        assertThat(withStoredValue.headers().firstValue("Location"))
                .hasValueSatisfying(location -> assertThat(location).endsWith("/console/sign-in"));
        assertThat(browser.get(usersPage(portfolio)).statusCode())
                .as("the administrator's own session, after the attempt")
                .isEqualTo(200);
    }

    /**
     * A request of the session a browser signs in with is still under way when the sign-in ends (a form
     * sent slowly; another tab's page): when it ends, the id the session had before the sign-in stays
     * signed out, and the sign-in's own cookie goes on working. Before, signing in changed the id of the
     * same stored session, and the request, ending after it, wrote the id it came with back over the new
     * one: someone who had planted that id in the administrator's browser and held a form of it open was
     * signed in as the administrator, who was signed out ("Your sign-in has expired").
     */
    @Test
    void aRequestUnderWayWhileTheBrowserSignsInLeavesTheEarlierIdSignedOut() throws Exception {
        DirectorySeed.Portfolio portfolio = new DirectorySeed(jdbc).portfolio();
        String email = "planted-" + UUID.randomUUID() + "@agency.test";
        ConsoleBrowser browser = new ConsoleBrowser(port);
        String csrf = browser.csrf();
        String planted = browser.cookieHeader();
        ConsoleBrowser.HeldForm held = browser.holdForm("/console", Map.of("_csrf", csrf));

        assertThat(browser.signIn(email, "OWNER", portfolio).statusCode()).isEqualTo(302);
        assertThat(held.finish()).startsWith("HTTP/1.1 302 ");

        HttpResponse<String> withPlantedId = new ConsoleBrowser(port).get(usersPage(portfolio), "Cookie", planted);
        assertThat(withPlantedId.statusCode()).as("the id before the sign-in").isEqualTo(302);
        assertThat(withPlantedId.headers().firstValue("Location"))
                .hasValueSatisfying(location -> assertThat(location).endsWith("/console/sign-in"));
        assertThat(browser.get(usersPage(portfolio)).statusCode())
                .as("the sign-in's own cookie")
                .isEqualTo(200);
        assertThat(sessionsOf(email)).as("sessions stored for %s", email).isOne();
    }

    /**
     * While the internal token secret is rotated, a session sealed under the accepted secret's key
     * (stored by a gateway not rotated yet, or before the rotation) keeps its administrator signed in,
     * and its next request stores it sealed under the current key, which alone opens it then.
     */
    @Test
    void aSessionSealedUnderTheAcceptedSecretStaysSignedInAndIsSealedAgainUnderTheCurrentOne() throws Exception {
        DirectorySeed.Portfolio portfolio = new DirectorySeed(jdbc).portfolio();
        String email = "rotated-" + UUID.randomUUID() + "@agency.test";
        ConsoleBrowser browser = new ConsoleBrowser(port);
        browser.signIn(email, "OWNER", portfolio);
        ConversionService current = SealedSessionsTests.sessions(TestTokens.INTERNAL_SECRET, "");
        ConversionService accepted = SealedSessionsTests.sessions(TestTokens.ACCEPTED_INTERNAL_SECRET, "");
        attributesOf(email)
                .forEach((name, stored) -> jdbc.sql("""
                        UPDATE jobs.console_sessions_attributes a SET attribute_bytes = :sealed
                          FROM jobs.console_sessions s
                         WHERE s.primary_id = a.session_primary_id AND s.principal_name = :email
                           AND a.attribute_name = :name""")
                        .param("sealed", accepted.convert(current.convert(stored, Object.class), byte[].class))
                        .param("email", email)
                        .param("name", name)
                        .update());
        assertThat(unopened(email, current))
                .as("the session's attributes, sealed under the accepted secret's key")
                .contains("SPRING_SECURITY_CONTEXT")
                .containsExactlyElementsOf(attributesOf(email).keySet());

        assertThat(browser.get(usersPage(portfolio)).statusCode()).isEqualTo(200);

        assertThat(attributesOf(email)).containsKey("SPRING_SECURITY_CONTEXT");
        assertThat(unopened(email, current))
                .as("the session's attributes the current key alone cannot open after its next request")
                .isEmpty();
        assertThat(browser.get(usersPage(portfolio)).statusCode()).isEqualTo(200);
    }

    @Test
    void aSessionBeforeSignInIsKeptThirtyMinutesAndSigningInKeepsItEightHours() throws Exception {
        DirectorySeed.Portfolio portfolio = new DirectorySeed(jdbc).portfolio();
        String email = "lasting-" + UUID.randomUUID() + "@agency.test";
        ConsoleBrowser browser = new ConsoleBrowser(port);
        long startedAt = System.currentTimeMillis();

        assertThat(browser.get("/console/sign-in").statusCode()).isEqualTo(200);
        assertThat(jdbc.sql("""
                        SELECT max_inactive_interval FROM jobs.console_sessions
                         WHERE principal_name IS NULL AND creation_time >= ?
                         ORDER BY creation_time DESC LIMIT 1""").param(startedAt).query(Integer.class).single())
                .as("seconds a session before sign-in is kept without a request")
                .isEqualTo(30 * 60);

        browser.signIn(email, "OWNER", portfolio);
        assertThat(jdbc.sql("SELECT max_inactive_interval FROM jobs.console_sessions WHERE principal_name = ?")
                        .param(email)
                        .query(Integer.class)
                        .single())
                .as("seconds a signed-in session is kept without a request")
                .isEqualTo(8 * 60 * 60);
    }

    @Test
    void aSessionDeletedFromTheDatabaseSignsItsAdministratorOutOnTheNextPage() throws Exception {
        DirectorySeed.Portfolio portfolio = new DirectorySeed(jdbc).portfolio();
        String email = "revoked-" + UUID.randomUUID() + "@agency.test";
        ConsoleBrowser browser = new ConsoleBrowser(port);
        browser.signIn(email, "OWNER", portfolio);
        assertThat(browser.get(usersPage(portfolio)).statusCode()).isEqualTo(200);

        // As an operator signs an administrator out everywhere (README: "Session and CSRF").
        assertThat(jdbc.sql("DELETE FROM jobs.console_sessions WHERE principal_name = ?")
                        .param(email)
                        .update())
                .isOne();

        HttpResponse<String> next = browser.get(usersPage(portfolio));
        assertThat(next.statusCode()).isEqualTo(302);
        assertThat(next.headers().firstValue("Location"))
                .hasValueSatisfying(location -> assertThat(location).endsWith("/console/sign-in"));
    }

    /**
     * A request to an invitation page without a sign-in keeps only the page's path in its session, to
     * come back to after signing in: a copy of the whole request (its headers, cookies and a form's
     * fields) let anyone store about 2 MB per request for 30 minutes without signing in.
     */
    @Test
    void anInvitationPageOpenedWithoutASignInStoresOnlyItsPath() throws Exception {
        DirectorySeed.Portfolio portfolio = new DirectorySeed(jdbc).portfolio();
        String page = "/invitations/stored-" + UUID.randomUUID();
        ConsoleBrowser poster = new ConsoleBrowser(port);
        assertThat(poster.get("/console/sign-in").statusCode()).isEqualTo(200);

        HttpResponse<String> posted = poster.postEncoded(page, "a=" + "x".repeat(2_000_000));
        assertThat(posted.statusCode()).isEqualTo(302);
        assertThat(storedBytes(poster))
                .as("bytes stored for a 2 MB form posted to an invitation page without a sign-in")
                .isPositive()
                .isLessThan(2_048);

        ConsoleBrowser opener = new ConsoleBrowser(port);
        HttpResponse<String> opened = opener.get(page, "X-Padding", "x".repeat(6_000));
        assertThat(opened.statusCode()).isEqualTo(302);
        assertThat(storedBytes(opener))
                .as("bytes stored for an invitation page opened with 6 KB of headers without a sign-in")
                .isPositive()
                .isLessThan(1_024);

        for (ConsoleBrowser browser : List.of(poster, opener)) {
            assertThat(browser.signIn("return-" + UUID.randomUUID() + "@agency.test", "OWNER", portfolio)
                            .headers()
                            .firstValue("Location"))
                    .as("where signing in goes next")
                    .hasValueSatisfying(location -> assertThat(location).endsWith(page));
        }
    }

    @Test
    void apiCallsWithABearerTokenStoreNoSession() throws Exception {
        DirectorySeed.Portfolio portfolio = new DirectorySeed(jdbc).portfolio();
        String token = TestTokens.token(UUID.randomUUID(), "script@agency.test", portfolio.id(), "OWNER");
        ConsoleBrowser client = new ConsoleBrowser(port);
        long before = allSessions();

        for (String path : new String[] {
            "/api/v1/portfolios/" + portfolio.id() + "/bulk-jobs",
            "/api/v1/portfolios/" + portfolio.id() + "/users",
            "/api/v1/portfolios/" + portfolio.id() + "/bulk-jobs/" + UUID.randomUUID()
        }) {
            HttpResponse<String> answer = client.get(path, "Authorization", "Bearer " + token);
            assertThat(answer.statusCode()).as(path).isIn(200, 404);
            assertThat(answer.headers().allValues("Set-Cookie")).as(path).isEmpty();
        }

        assertThat(allSessions()).as("stored sessions").isEqualTo(before);
    }

    private static String usersPage(DirectorySeed.Portfolio portfolio) {
        return "/console/portfolios/" + portfolio.id() + "/users";
    }

    /** The bytes the stored attributes of the browser's session take. */
    private long storedBytes(ConsoleBrowser browser) throws Exception {
        String storedId = HexFormat.of()
                .formatHex(MessageDigest.getInstance("SHA-256")
                        .digest(browser.sessionId().getBytes(StandardCharsets.UTF_8)));
        return jdbc.sql("""
                        SELECT coalesce(sum(octet_length(a.attribute_bytes)), 0) FROM jobs.console_sessions_attributes a
                          JOIN jobs.console_sessions s ON s.primary_id = a.session_primary_id
                         WHERE s.session_id = ?""").param(storedId).query(Long.class).single();
    }

    /** The names of the stored attributes of the administrator's session that {@code sessions} cannot open. */
    private List<String> unopened(String email, ConversionService sessions) {
        return attributesOf(email).entrySet().stream()
                .filter(attribute -> sessions.convert(attribute.getValue(), Object.class) == null)
                .map(Map.Entry::getKey)
                .toList();
    }

    /** The stored attributes of the administrator's session, by name. */
    private Map<String, byte[]> attributesOf(String email) {
        Map<String, byte[]> attributes = new TreeMap<>();
        jdbc.sql("""
                        SELECT a.attribute_name, a.attribute_bytes FROM jobs.console_sessions_attributes a
                          JOIN jobs.console_sessions s ON s.primary_id = a.session_primary_id
                         WHERE s.principal_name = ?""")
                .param(email)
                .query((row, n) -> attributes.put(row.getString(1), row.getBytes(2)))
                .list();
        return attributes;
    }

    private long sessionsOf(String email) {
        return jdbc.sql("SELECT count(*) FROM jobs.console_sessions WHERE principal_name = ?")
                .param(email)
                .query(Long.class)
                .single();
    }

    private long allSessions() {
        return jdbc.sql("SELECT count(*) FROM jobs.console_sessions")
                .query(Long.class)
                .single();
    }
}
