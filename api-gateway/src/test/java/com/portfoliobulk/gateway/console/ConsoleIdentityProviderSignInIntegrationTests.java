package com.portfoliobulk.gateway.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import com.portfoliobulk.gateway.GatewayApplication;
import com.portfoliobulk.gateway.support.GatewayCalls;
import com.portfoliobulk.gateway.support.StubWorker;
import com.portfoliobulk.testsupport.DirectorySeed;
import com.portfoliobulk.testsupport.LogLines;
import com.portfoliobulk.testsupport.TestTokens;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * A whole sign-in through an identity provider (a stand-in for its token, user info and key set
 * endpoints), with OAuth 2.0 ({@code corp}) and with OpenID Connect ({@code oidc}, which also issues an ID
 * token): the access token it issues is the one the console calls the API with, so a token the API
 * accepts starts a session, and one it refuses leaves the browser signed out, not half signed in. A
 * third provider ({@code discovered}) is given by its issuer alone, which cannot be reached while the
 * gateway starts, and so are a fourth ({@code hanging}), whose issuer answers but may hang, and a fifth
 * ({@code misconfigured}), whose issuer may publish no configuration, or one for another issuer. The
 * bulk-worker is the {@link StubWorker}.
 */
@SpringBootTest(
        webEnvironment = WebEnvironment.RANDOM_PORT,
        properties = {
            "spring.config.name=" + GatewayApplication.CONFIG_NAME,
            "spring.security.oauth2.client.registration.corp.client-id=bulk-console",
            "spring.security.oauth2.client.registration.corp.client-secret=console-secret",
            "spring.security.oauth2.client.registration.corp.client-name=Corporate SSO",
            "spring.security.oauth2.client.registration.corp.authorization-grant-type=authorization_code",
            "spring.security.oauth2.client.registration.corp.redirect-uri={baseUrl}/login/oauth2/code/{registrationId}",
            "spring.security.oauth2.client.registration.corp.scope=email,bulk-api",
            "spring.security.oauth2.client.provider.corp.authorization-uri=https://idp.example/authorize",
            "spring.security.oauth2.client.provider.corp.user-name-attribute=sub",
            "spring.security.oauth2.client.registration.oidc.client-id=bulk-console",
            "spring.security.oauth2.client.registration.oidc.client-secret=console-secret",
            "spring.security.oauth2.client.registration.oidc.client-name=Corporate OpenID",
            "spring.security.oauth2.client.registration.oidc.authorization-grant-type=authorization_code",
            "spring.security.oauth2.client.registration.oidc.redirect-uri={baseUrl}/login/oauth2/code/{registrationId}",
            "spring.security.oauth2.client.registration.oidc.scope=openid,email,bulk-api",
            "spring.security.oauth2.client.provider.oidc.authorization-uri=https://idp.example/authorize",
            "spring.security.oauth2.client.provider.oidc.user-name-attribute=sub",
            "spring.security.oauth2.client.registration.discovered.client-id=bulk-console",
            "spring.security.oauth2.client.registration.discovered.client-secret=console-secret",
            "spring.security.oauth2.client.registration.discovered.client-name=Discovered SSO",
            "spring.security.oauth2.client.registration.discovered.scope=email,bulk-api",
            "spring.security.oauth2.client.registration.hanging.client-id=bulk-console",
            "spring.security.oauth2.client.registration.hanging.client-secret=console-secret",
            "spring.security.oauth2.client.registration.hanging.client-name=Hanging SSO",
            "spring.security.oauth2.client.registration.hanging.scope=email,bulk-api",
            "spring.security.oauth2.client.registration.misconfigured.client-id=bulk-console",
            "spring.security.oauth2.client.registration.misconfigured.client-secret=console-secret",
            "spring.security.oauth2.client.registration.misconfigured.client-name=Misconfigured SSO",
            "spring.security.oauth2.client.registration.misconfigured.scope=email,bulk-api",
            "bulk.gateway.console.identity-provider-read-timeout=2s"
        })
class ConsoleIdentityProviderSignInIntegrationTests {

    private static final Pattern CSRF_FIELD = Pattern.compile("name=\"_csrf\" value=\"([^\"]+)\"");

    private static final String NOT_ACCEPTED = "The identity provider&#39;s sign-in was not accepted.";

    private static final String UNREACHABLE =
            "The identity provider cannot be reached right now; try again in a moment.";

    private static final String CANNOT_BE_USED = "Sign-in through the identity provider is not possible right now:"
            + " Portfolio Bulk Access cannot use the configuration the provider publishes. This is not a problem"
            + " with your account; please tell your administrator.";

    /**
     * How long a browser here waits for a page where the gateway waits for a provider that never answers:
     * longer than {@code identity-provider-read-timeout} (2 s here) and than it plus {@code
     * -connect-timeout} (7 s here), shorter than the 30 s Spring Security gives its own fetches of a key set
     * and of an issuer's configuration.
     */
    private static final Duration WITHIN_SPRING_SECURITYS_READ_TIMEOUT = Duration.ofSeconds(15);

    private static final StandInIdentityProvider PROVIDER = new StandInIdentityProvider();

    /** The provider of registration {@code hanging}, given by its issuer. */
    private static final StandInIdentityProvider HANGING = new StandInIdentityProvider();

    /** The provider of registration {@code misconfigured}, given by its issuer. */
    private static final StandInIdentityProvider MISCONFIGURED = new StandInIdentityProvider();

    @LocalServerPort
    private int port;

    @Autowired
    private JdbcClient jdbc;

    private ConsoleBrowser browser;

    @DynamicPropertySource
    static void provider(DynamicPropertyRegistry properties) {
        properties.add("spring.security.oauth2.client.provider.corp.token-uri", () -> PROVIDER.url("/token"));
        properties.add("spring.security.oauth2.client.provider.corp.user-info-uri", () -> PROVIDER.url("/userinfo"));
        properties.add("spring.security.oauth2.client.provider.oidc.token-uri", () -> PROVIDER.url("/token"));
        properties.add("spring.security.oauth2.client.provider.oidc.user-info-uri", () -> PROVIDER.url("/userinfo"));
        properties.add("spring.security.oauth2.client.provider.oidc.jwk-set-uri", () -> PROVIDER.url("/jwks"));
        properties.add("spring.security.oauth2.client.provider.discovered.issuer-uri", PROVIDER::issuer);
        properties.add("spring.security.oauth2.client.provider.hanging.issuer-uri", HANGING::issuer);
        properties.add("spring.security.oauth2.client.provider.misconfigured.issuer-uri", MISCONFIGURED::issuer);
        properties.add("bulk.gateway.worker-base-url", () -> StubWorker.get().baseUrl());
    }

    @AfterAll
    static void stopProvider() {
        PROVIDER.stop();
        HANGING.stop();
        MISCONFIGURED.stop();
    }

    @BeforeEach
    void freshBrowser() {
        browser = new ConsoleBrowser(port);
    }

    @Test
    void anAccessTokenTheApiAcceptsStartsASession() throws Exception {
        DirectorySeed.Portfolio portfolio = new DirectorySeed(jdbc).portfolio();
        UUID userId = UUID.randomUUID();
        PROVIDER.issue(userId, TestTokens.token(userId, "sso-" + userId + "@agency.test", portfolio.id(), "OWNER"));

        HttpResponse<String> back = signInThroughTheProvider();

        assertThat(back.headers().firstValue("Location"))
                .hasValueSatisfying(location -> assertThat(location).doesNotContain("sign-in"));
        HttpResponse<String> users = browser.get("/console/portfolios/" + portfolio.id() + "/users");
        assertThat(users.statusCode()).as(users.body()).isEqualTo(200);
        assertThat(users.body()).contains("sso-" + userId + "@agency.test");
    }

    /**
     * README's command that signs an administrator out everywhere, run as an operator would with the
     * address they know, signs out administrators whose session is stored under the address as the
     * token has it: one outside the product's address rule (a local part outside ASCII), which is not
     * lower-cased, and one whose claim has spaces around it. Before, the command compared the stored
     * name with the lower-cased address, deleted neither session ("DELETE 0"), and both stayed signed
     * in.
     */
    @Test
    void readmesSignOutEverywhereSignsOutAnAddressStoredAsTheTokenHasIt() throws Exception {
        DirectorySeed.Portfolio portfolio = new DirectorySeed(jdbc).portfolio();
        String users = "/console/portfolios/" + portfolio.id() + "/users";
        String signOut = readmeStatement("DELETE FROM jobs.console_sessions ");
        String id = UUID.randomUUID().toString().substring(0, 8);
        // The token's email claim, and the address the operator types.
        Map<String, String> administrators = new LinkedHashMap<>();
        administrators.put(
                "J\u00fcrgen.M\u00fcller-" + id + "@Firma.test", "J\u00fcrgen.M\u00fcller-" + id + "@firma.test");
        administrators.put(" Ann-" + id + "@Agency.test ", "ann-" + id + "@agency.test");
        Map<String, ConsoleBrowser> browsers = new LinkedHashMap<>();
        for (String claim : administrators.keySet()) {
            ConsoleBrowser signedIn = new ConsoleBrowser(port);
            UUID userId = UUID.randomUUID();
            PROVIDER.issue(userId, TestTokens.token(userId, claim, portfolio.id(), "OWNER"));
            PROVIDER.signIn(signedIn, "corp");
            assertThat(signedIn.get(users).statusCode()).as(claim).isEqualTo(200);
            browsers.put(claim, signedIn);
        }

        Map<String, Integer> deleted = new LinkedHashMap<>();
        administrators.forEach((claim, typed) ->
                deleted.put(claim, jdbc.sql(signOut.replace("<e-mail>", typed)).update()));

        assertThat(deleted)
                .as("sessions deleted by %s, per token's email claim", signOut)
                .isEqualTo(
                        Map.of("J\u00fcrgen.M\u00fcller-" + id + "@Firma.test", 1, " Ann-" + id + "@Agency.test ", 1));
        for (Map.Entry<String, ConsoleBrowser> signedIn : browsers.entrySet()) {
            HttpResponse<String> next = signedIn.getValue().get(users);
            assertThat(next.statusCode()).as(signedIn.getKey()).isEqualTo(302);
            assertThat(next.headers().firstValue("Location"))
                    .hasValueSatisfying(location -> assertThat(location).endsWith("/console/sign-in"));
        }
    }

    /**
     * A request of the session the browser went to the provider with is still under way when the
     * browser comes back signed in: when it ends, the id the session had before stays signed out, and
     * the sign-in's own cookie goes on working. Before, the sign-in changed the id of the same stored
     * session and the request wrote the earlier id back: whoever had planted it was signed in as the
     * administrator, who was signed out.
     */
    @Test
    void aRequestUnderWayWhileTheBrowserSignsInLeavesTheEarlierIdSignedOut() throws Exception {
        DirectorySeed.Portfolio portfolio = new DirectorySeed(jdbc).portfolio();
        UUID userId = UUID.randomUUID();
        PROVIDER.issue(userId, TestTokens.token(userId, "sso-" + userId + "@agency.test", portfolio.id(), "OWNER"));
        HttpResponse<String> toProvider = browser.get("/oauth2/authorization/corp");
        String planted = browser.cookieHeader();
        ConsoleBrowser.HeldForm held = browser.holdForm("/console", Map.of("_csrf", "planted"));

        HttpResponse<String> back = cameBackFromTheProvider("corp", toProvider);
        assertThat(back.headers().firstValue("Location"))
                .hasValueSatisfying(location -> assertThat(location).doesNotContain("sign-in"));
        assertThat(held.finish()).startsWith("HTTP/1.1 ");

        String users = "/console/portfolios/" + portfolio.id() + "/users";
        HttpResponse<String> withPlantedId = new ConsoleBrowser(port).get(users, "Cookie", planted);
        assertThat(withPlantedId.statusCode()).as("the id before the sign-in").isEqualTo(302);
        assertThat(withPlantedId.headers().firstValue("Location"))
                .hasValueSatisfying(location -> assertThat(location).endsWith("/console/sign-in"));
        assertThat(browser.get(users).statusCode())
                .as("the sign-in's own cookie")
                .isEqualTo(200);
    }

    /**
     * The provider's access token is one the API refuses (not signed with its key): the sign-in page
     * says so, and the browser is not signed in. Before, the refused sign-in stayed in the session and
     * every console page answered 500 until it expired.
     */
    @Test
    void anAccessTokenTheApiRefusesLeavesTheBrowserSignedOut() throws Exception {
        DirectorySeed.Portfolio portfolio = new DirectorySeed(jdbc).portfolio();
        UUID userId = UUID.randomUUID();
        String valid = TestTokens.token(userId, "sso-" + userId + "@agency.test", portfolio.id(), "OWNER");
        PROVIDER.issue(userId, valid.substring(0, valid.lastIndexOf('.') + 1) + "c2lnbmVkIGVsc2V3aGVyZQ");

        HttpResponse<String> back = signInThroughTheProvider();

        assertThat(back.headers().firstValue("Location"))
                .hasValueSatisfying(location -> assertThat(location).endsWith("/console/sign-in?rejected"));
        HttpResponse<String> users = browser.get("/console/portfolios/" + portfolio.id() + "/users");
        assertThat(users.statusCode()).as(users.body()).isEqualTo(302);
        assertThat(users.headers().firstValue("Location"))
                .hasValueSatisfying(location -> assertThat(location).endsWith("/console/sign-in"));
        HttpResponse<String> signIn = browser.get("/console/sign-in?rejected");
        assertThat(signIn.statusCode()).isEqualTo(200);
        assertThat(signIn.body())
                .contains("Sign in with Corporate SSO")
                .contains(NOT_ACCEPTED)
                .doesNotContain(UNREACHABLE);
    }

    /**
     * The identity provider's key set cannot be fetched (it answers 503) to check the ID token of an
     * OpenID Connect sign-in: the sign-in page says the provider cannot be reached, to try again in a
     * moment, logged as one WARN line; the browser is not signed in. It said "The identity provider's
     * sign-in was not accepted", as for a refusal, and logged nothing. Once the key set is back, an ID
     * token whose signature is forged is still not accepted, and a good one signs in.
     */
    @Test
    void aKeySetThatCannotBeFetchedSaysTheProviderCannotBeReached() throws Exception {
        UUID userId = UUID.randomUUID();
        String email = "sso-" + userId + "@agency.test";
        PROVIDER.issue(userId, TestTokens.token(userId, email, UUID.randomUUID()), email, true);
        HttpResponse<String> back;
        List<ILoggingEvent> lines;
        try (LogLines log = LogLines.of("com.portfoliobulk.gateway")) {
            PROVIDER.down("/jwks");
            try {
                back = signInThroughTheProvider("oidc");
            } finally {
                PROVIDER.down(null);
            }
            lines = log.lines();
        }

        assertThat(back.headers().firstValue("Location"))
                .hasValueSatisfying(location -> assertThat(location).endsWith("/console/sign-in?unavailable"));
        assertThat(lines)
                .filteredOn(line -> line.getLevel().isGreaterOrEqual(Level.WARN))
                .singleElement()
                .satisfies(line -> {
                    assertThat(line.getLevel()).isEqualTo(Level.WARN);
                    assertThat(line.getFormattedMessage()).contains("identity provider", "cannot be reached");
                    assertThat(line.getThrowableProxy()).isNull();
                });
        assertThat(browser.get("/console").headers().firstValue("Location"))
                .as("not signed in")
                .hasValueSatisfying(location -> assertThat(location).endsWith("/console/sign-in"));
        assertThat(browser.get("/console/sign-in?unavailable").body())
                .contains(UNREACHABLE)
                .doesNotContain(NOT_ACCEPTED);

        browser = new ConsoleBrowser(port);
        PROVIDER.forgeIdTokens(true);
        try {
            back = signInThroughTheProvider("oidc");
        } finally {
            PROVIDER.forgeIdTokens(false);
        }
        assertThat(back.headers().firstValue("Location"))
                .hasValueSatisfying(location -> assertThat(location).endsWith("/console/sign-in?failed"));
        assertThat(browser.get("/console/sign-in?failed").body())
                .contains(NOT_ACCEPTED)
                .doesNotContain(UNREACHABLE);

        browser = new ConsoleBrowser(port);
        assertThat(signInThroughTheProvider("oidc").headers().firstValue("Location"))
                .hasValueSatisfying(location -> assertThat(location).doesNotContain("sign-in"));
    }

    /**
     * The gateway started while the issuer of a provider given by its {@code issuer-uri} could not be
     * reached (nothing listens there): the API answers, the sign-in page offers the provider, and signing
     * in with it says the provider cannot be reached right now, logged as one WARN line. Once the issuer
     * answers, the next sign-in goes to the authorization endpoint its configuration names and signs in,
     * without a restart. Before, Spring Boot fetched that configuration while the gateway started, and
     * the gateway did not start at all.
     */
    @Test
    void aProviderWhoseIssuerCannotBeReachedWhileTheGatewayStartsIsFetchedAtSignIn() throws Exception {
        DirectorySeed.Portfolio portfolio = new DirectorySeed(jdbc).portfolio();
        UUID userId = UUID.randomUUID();
        String token = TestTokens.token(userId, "sso-" + userId + "@agency.test", portfolio.id(), "OWNER");
        assertThat(new GatewayCalls(port)
                        .get(token, "/api/v1/portfolios/" + portfolio.id() + "/accounts")
                        .status())
                .as("the API")
                .isEqualTo(200);
        assertThat(browser.get("/console/sign-in").body()).contains("Sign in with Discovered SSO");

        HttpResponse<String> toProvider;
        List<ILoggingEvent> lines;
        try (LogLines log = LogLines.of("com.portfoliobulk.gateway")) {
            toProvider = browser.get("/oauth2/authorization/discovered");
            lines = log.lines();
        }

        assertTheSignInCouldNotReachTheProvider(toProvider, lines);

        PROVIDER.startIssuer();
        PROVIDER.issue(userId, token);
        browser = new ConsoleBrowser(port);
        toProvider = browser.get("/oauth2/authorization/discovered");

        assertThat(toProvider.statusCode()).as(toProvider.body()).isEqualTo(302);
        assertThat(toProvider.headers().firstValue("Location"))
                .hasValueSatisfying(location -> assertThat(location)
                        .startsWith(PROVIDER.authorizationEndpoint() + "?")
                        .contains("client_id=bulk-console"));
        HttpResponse<String> back = cameBackFromTheProvider("discovered", toProvider);
        assertThat(back.headers().firstValue("Location"))
                .hasValueSatisfying(location -> assertThat(location).doesNotContain("sign-in"));
        HttpResponse<String> users = browser.get("/console/portfolios/" + portfolio.id() + "/users");
        assertThat(users.statusCode()).as(users.body()).isEqualTo(200);
    }

    /**
     * A sign-in that could not start as the provider cannot be reached: back on the sign-in page saying
     * so, logged as one WARN line without a stack trace.
     */
    private void assertTheSignInCouldNotReachTheProvider(HttpResponse<String> toProvider, List<ILoggingEvent> lines)
            throws Exception {
        assertThat(toProvider.statusCode()).as(toProvider.body()).isEqualTo(302);
        assertThat(toProvider.headers().firstValue("Location"))
                .hasValueSatisfying(location -> assertThat(location).endsWith("/console/sign-in?unavailable"));
        assertThat(lines)
                .filteredOn(line -> line.getLevel().isGreaterOrEqual(Level.WARN))
                .singleElement()
                .satisfies(line -> {
                    assertThat(line.getFormattedMessage())
                            .contains("identity provider cannot be reached to start a sign-in");
                    assertThat(line.getThrowableProxy()).isNull();
                });
        assertThat(browser.get("/console/sign-in?unavailable").body())
                .contains(UNREACHABLE)
                .doesNotContain(NOT_ACCEPTED);
    }

    /**
     * The issuer of a provider given by its {@code issuer-uri} takes the request for its configuration
     * and never answers: signing in with it ends after {@code identity-provider-connect-timeout} plus
     * {@code -read-timeout} (7 s here) on the sign-in page saying the provider cannot be reached, logged as
     * one WARN line. Before, the fetch had Spring Security's own 30 s to connect and 30 s to read, and held
     * the browser that long (here it gave up after 15 s). Once the issuer answers, the next sign-in goes to
     * the provider.
     */
    @Test
    void anIssuerThatNeverAnswersSaysTheProviderCannotBeReached() throws Exception {
        HANGING.startIssuer();
        browser = new ConsoleBrowser(port, WITHIN_SPRING_SECURITYS_READ_TIMEOUT);
        HttpResponse<String> toProvider;
        List<ILoggingEvent> lines;
        try (LogLines log = LogLines.of("com.portfoliobulk.gateway")) {
            HANGING.silent(StandInIdentityProvider.CONFIGURATION);
            try {
                toProvider = browser.get("/oauth2/authorization/hanging");
            } finally {
                HANGING.silent(null);
            }
            lines = log.lines();
        }

        assertTheSignInCouldNotReachTheProvider(toProvider, lines);

        // The lookup the silent issuer held ends once its request is closed; a sign-in in the moment
        // before may still share it, hence a new sign-in until one goes to the provider.
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            browser = new ConsoleBrowser(port);
            HttpResponse<String> again = browser.get("/oauth2/authorization/hanging");
            assertThat(again.headers().firstValue("Location"))
                    .hasValueSatisfying(
                            location -> assertThat(location).startsWith(HANGING.authorizationEndpoint() + "?"));
        });
    }

    /**
     * The issuer of a provider given by its {@code issuer-uri} answers, but publishes no configuration
     * (404), then one naming another issuer: signing in with it says that sign-in through the provider is
     * not possible right now, not a problem with the person's account, and to tell the administrator,
     * logged as one WARN line naming what is wrong. Before, the page said "The identity provider's sign-in
     * was not accepted.", as for credentials the provider refused. Once the issuer publishes its own
     * configuration, the next sign-in goes to the provider.
     */
    @Test
    void anIssuerWhoseConfigurationCannotBeUsedSaysToTellTheAdministrator() throws Exception {
        MISCONFIGURED.configurationNames(null);
        MISCONFIGURED.startIssuer();
        assertSignInCannotStart(
                "Unable to resolve Configuration with the provided Issuer of \"" + MISCONFIGURED.issuer());

        MISCONFIGURED.configurationNames("https://elsewhere.example");
        assertSignInCannotStart("The Issuer \"https://elsewhere.example\" provided in the configuration metadata did"
                + " not match the requested issuer \"" + MISCONFIGURED.issuer() + "\"");

        MISCONFIGURED.configurationNames(MISCONFIGURED.issuer());
        browser = new ConsoleBrowser(port);
        HttpResponse<String> toProvider = browser.get("/oauth2/authorization/misconfigured");
        assertThat(toProvider.headers().firstValue("Location"))
                .hasValueSatisfying(
                        location -> assertThat(location).startsWith(MISCONFIGURED.authorizationEndpoint() + "?"));
    }

    /**
     * Signs in with registration {@code misconfigured}: the sign-in page says the provider's configuration
     * cannot be used, with one WARN line naming {@code cause}.
     */
    private void assertSignInCannotStart(String cause) throws Exception {
        browser = new ConsoleBrowser(port);
        HttpResponse<String> toProvider;
        List<ILoggingEvent> lines;
        try (LogLines log = LogLines.of("com.portfoliobulk.gateway")) {
            toProvider = browser.get("/oauth2/authorization/misconfigured");
            lines = log.lines();
        }

        assertThat(toProvider.headers().firstValue("Location"))
                .as(cause)
                .hasValueSatisfying(location -> assertThat(location).endsWith("/console/sign-in?misconfigured"));
        assertThat(lines)
                .as(cause)
                .filteredOn(line -> line.getLevel().isGreaterOrEqual(Level.WARN))
                .singleElement()
                .satisfies(line -> {
                    assertThat(line.getFormattedMessage())
                            .startsWith("The identity provider's configuration cannot be used to start a sign-in")
                            .contains(cause);
                    assertThat(line.getThrowableProxy()).isNull();
                });
        assertThat(browser.get("/console/sign-in?misconfigured").body())
                .contains(CANNOT_BE_USED)
                .doesNotContain(NOT_ACCEPTED, UNREACHABLE);
    }

    /**
     * The identity provider's key-set endpoint takes the fetch of the key set that checks an OpenID
     * Connect sign-in's ID token and never answers: the sign-in ends after {@code
     * identity-provider-read-timeout} (2 s here) on the sign-in page saying the provider cannot be reached,
     * logged as one WARN line. Before, the fetch had Spring Security's own 30 s to connect and 30 s to
     * read, and held the browser's return from the provider that long (here it gave up after 15 s). Once
     * the endpoint answers, the sign-in goes through.
     */
    @Test
    void aKeySetEndpointThatNeverAnswersSaysTheProviderCannotBeReached() throws Exception {
        UUID userId = UUID.randomUUID();
        String email = "sso-" + userId + "@agency.test";
        PROVIDER.issue(userId, TestTokens.token(userId, email, UUID.randomUUID()), email, true);

        assertSignInEndsUnreachable("oidc", "/jwks", WITHIN_SPRING_SECURITYS_READ_TIMEOUT);

        browser = new ConsoleBrowser(port);
        assertThat(signInThroughTheProvider("oidc").headers().firstValue("Location"))
                .as("once the key-set endpoint answers")
                .hasValueSatisfying(location -> assertThat(location).doesNotContain("sign-in"));
    }

    /**
     * The identity provider's token endpoint answers 503 to the exchange of the code: the sign-in page
     * says the provider cannot be reached. It said the sign-in was not accepted. A code the provider
     * refuses (invalid_grant) is still not accepted.
     */
    @Test
    void aTokenEndpointThatFailsSaysTheProviderCannotBeReached() throws Exception {
        UUID userId = UUID.randomUUID();
        PROVIDER.issue(userId, TestTokens.token(userId, "sso-" + userId + "@agency.test", UUID.randomUUID()));
        HttpResponse<String> back;
        PROVIDER.down("/token");
        try {
            back = signInThroughTheProvider();
        } finally {
            PROVIDER.down(null);
        }

        assertThat(back.headers().firstValue("Location"))
                .hasValueSatisfying(location -> assertThat(location).endsWith("/console/sign-in?unavailable"));
        assertThat(browser.get("/console/sign-in?unavailable").body())
                .contains(UNREACHABLE)
                .doesNotContain(NOT_ACCEPTED);

        browser = new ConsoleBrowser(port);
        Matcher state = Pattern.compile("[?&]state=([^&]+)")
                .matcher(browser.get("/oauth2/authorization/corp")
                        .headers()
                        .firstValue("Location")
                        .orElseThrow());
        assertThat(state.find()).isTrue();
        HttpResponse<String> refused =
                browser.get("/login/oauth2/code/corp?code=a-code-it-refuses&state=" + state.group(1));
        assertThat(refused.headers().firstValue("Location"))
                .hasValueSatisfying(location -> assertThat(location).endsWith("/console/sign-in?failed"));
        assertThat(browser.get("/console/sign-in?failed").body())
                .contains(NOT_ACCEPTED)
                .doesNotContain(UNREACHABLE);
    }

    /**
     * The identity provider's token endpoint takes the exchange of the code and never answers: the
     * sign-in ends after {@code identity-provider-read-timeout} (2 s here) on the sign-in page saying the
     * provider cannot be reached, logged as one WARN line; the browser is not signed in. Before, the
     * browser's return from the provider waited for ever (here, the browser gave up after 60 s).
     */
    @Test
    void aTokenEndpointThatNeverAnswersSaysTheProviderCannotBeReached() throws Exception {
        UUID userId = UUID.randomUUID();
        PROVIDER.issue(userId, TestTokens.token(userId, "sso-" + userId + "@agency.test", UUID.randomUUID()));

        assertSignInEndsUnreachable("corp", "/token", Duration.ofSeconds(60));
    }

    /**
     * The identity provider's user-info endpoint takes the request and never answers, with OAuth 2.0
     * ({@code corp}, which always asks for user info) and with OpenID Connect ({@code oidc}, whose token
     * grants {@code email}): each sign-in ends after {@code identity-provider-read-timeout} on the sign-in
     * page saying the provider cannot be reached. Before, each waited for ever. Once the endpoint answers
     * again, the sign-in goes through.
     */
    @Test
    void aUserInfoEndpointThatNeverAnswersSaysTheProviderCannotBeReached() throws Exception {
        for (String registration : List.of("corp", "oidc")) {
            UUID userId = UUID.randomUUID();
            String email = "sso-" + userId + "@agency.test";
            PROVIDER.issue(userId, TestTokens.token(userId, email, UUID.randomUUID()), email, true);

            assertSignInEndsUnreachable(registration, "/userinfo", Duration.ofSeconds(60));

            browser = new ConsoleBrowser(port, Duration.ofSeconds(60));
            assertThat(signInThroughTheProvider(registration).headers().firstValue("Location"))
                    .as(registration + ", once the user-info endpoint answers")
                    .hasValueSatisfying(location -> assertThat(location).doesNotContain("sign-in"));
        }
    }

    /**
     * Signs in with the registration while the provider's endpoint takes requests and never answers:
     * the browser, which waits {@code answerWithin} at most for a page, comes back to the sign-in page
     * saying the provider cannot be reached, with one WARN line, and is not signed in.
     */
    private void assertSignInEndsUnreachable(String registration, String silentEndpoint, Duration answerWithin)
            throws Exception {
        browser = new ConsoleBrowser(port, answerWithin);
        HttpResponse<String> back;
        List<ILoggingEvent> lines;
        try (LogLines log = LogLines.of("com.portfoliobulk.gateway")) {
            PROVIDER.silent(silentEndpoint);
            try {
                back = signInThroughTheProvider(registration);
            } finally {
                PROVIDER.silent(null);
            }
            lines = log.lines();
        }

        assertThat(back.headers().firstValue("Location"))
                .as(registration)
                .hasValueSatisfying(location -> assertThat(location).endsWith("/console/sign-in?unavailable"));
        assertThat(lines)
                .as(registration)
                .filteredOn(line -> line.getLevel().isGreaterOrEqual(Level.WARN))
                .singleElement()
                .satisfies(line -> {
                    assertThat(line.getFormattedMessage())
                            .contains("identity provider cannot be reached to finish a sign-in");
                    assertThat(line.getThrowableProxy()).isNull();
                });
        assertThat(browser.get("/console").headers().firstValue("Location"))
                .as(registration + ": not signed in")
                .hasValueSatisfying(location -> assertThat(location).endsWith("/console/sign-in"));
        assertThat(browser.get("/console/sign-in?unavailable").body())
                .contains(UNREACHABLE)
                .doesNotContain(NOT_ACCEPTED);
    }

    /**
     * The invitee signs in through the identity provider, which says their address is not verified yet
     * (email_verified false), and accepts: the page asks them to verify the address. It used to take the
     * refusal for someone else's invitation and tell them to sign in with another address.
     */
    @Test
    void anInviteeWhoseAddressIsNotVerifiedIsAskedToVerifyIt() throws Exception {
        UUID userId = UUID.randomUUID();
        String email = "new-" + userId + "@brand.example";
        PROVIDER.issue(userId, TestTokens.withEmailVerified(userId, email, false));
        signInThroughTheProvider();
        String token = "unverified-" + UUID.randomUUID();
        Matcher csrf = CSRF_FIELD.matcher(browser.get("/invitations/" + token).body());
        assertThat(csrf.find()).isTrue();

        HttpResponse<String> refused =
                browser.post("/invitations/" + token, Map.of("_csrf", ConsoleBrowser.unescape(csrf.group(1))));

        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(403);
        assertThat(refused.body())
                .contains("Verify your e-mail address first")
                .contains("is not verified (email_verified is false)")
                .doesNotContain("sign in with the address it was sent to");
    }

    /**
     * The link of a French invitation, opened without a session: the sign-in page it leads to, and the
     * page asking to verify the address, are in French, as the e-mail was. They were in English.
     */
    @Test
    void aFrenchInvitationsSignInPageAndRequestToVerifyTheAddressAreInFrench() throws Exception {
        UUID userId = UUID.randomUUID();
        String email = "new-" + userId + "@brand.example";
        String token = "accepted-" + UUID.randomUUID();
        jdbc.sql("""
                        INSERT INTO directory.invitation_mails
                               (id, job_id, user_id, email, language, portfolio_id, inviter_email, token_digest, status)
                        VALUES (:id, :job, :user, :email, 'fr', :portfolio, 'admin@agency.example',
                                encode(sha256(convert_to(:token, 'UTF8')), 'hex'), 'SENT')
                        """)
                .param("id", UUID.randomUUID())
                .param("job", UUID.randomUUID())
                .param("user", new DirectorySeed(jdbc).user())
                .param("email", email)
                .param("portfolio", UUID.randomUUID())
                .param("token", token)
                .update();
        assertThat(browser.get("/invitations/" + token).statusCode()).isEqualTo(302);

        HttpResponse<String> signIn = browser.get("/console/sign-in");
        assertThat(signIn.body())
                .contains("<html lang=\"fr\">", "<h1>Se connecter à Portfolio Bulk Access</h1>")
                .contains(">Se connecter avec Corporate SSO</a>", ">Se connecter avec Corporate OpenID</a>")
                .doesNotContain("Sign in with");
        PROVIDER.issue(userId, TestTokens.token(userId, email, UUID.randomUUID()), email, false);
        assertThat(signInThroughTheProvider("oidc").headers().firstValue("Location"))
                .hasValueSatisfying(location -> assertThat(location).endsWith("/invitations/" + token));
        HttpResponse<String> refused = accept(token);

        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(403);
        assertThat(refused.body())
                .contains("<html lang=\"fr\">", "<h1>Vérifiez d&#39;abord votre adresse e-mail</h1>")
                .contains(email + " n&#39;est pas vérifiée (email_verified vaut false)")
                .doesNotContain("Verify your e-mail address first");
    }

    /**
     * The invitee signs in with OpenID Connect: the ID token says their address is not verified
     * (email_verified false), the access token the console calls the API with says nothing of it. The
     * console refuses to accept as the API refuses a token whose claim is false, and asks to verify the
     * address first; the worker is not asked. It accepted: the API saw no claim, and the worker was asked.
     * Verified, the same invitee accepts.
     */
    @Test
    void anInviteeWhoseIdTokenSaysTheAddressIsNotVerifiedIsAskedToVerifyIt() throws Exception {
        UUID userId = UUID.randomUUID();
        String email = "new-" + userId + "@brand.example";
        PROVIDER.issue(userId, TestTokens.token(userId, email, UUID.randomUUID()), email, false);
        HttpResponse<String> back = signInThroughTheProvider("oidc");
        assertThat(back.headers().firstValue("Location"))
                .hasValueSatisfying(location -> assertThat(location).doesNotContain("sign-in"));
        String token = "accepted-" + UUID.randomUUID();

        HttpResponse<String> refused = accept(token);

        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(403);
        assertThat(refused.body())
                .contains("Verify your e-mail address first")
                .contains(email + " is not verified (email_verified is false)")
                .doesNotContain("sign in with the address it was sent to");
        assertThat(StubWorker.get().bodyFor(token))
                .as("the worker is not asked")
                .isNull();

        browser = new ConsoleBrowser(port);
        PROVIDER.issue(userId, TestTokens.token(userId, email, UUID.randomUUID()), email, true);
        signInThroughTheProvider("oidc");

        HttpResponse<String> accepted = accept(token);

        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(200);
        assertThat(StubWorker.get().bodyFor(token)).isEqualTo("{\"email\":\"" + email + "\"}");
    }

    /**
     * The identity provider names the invitee by an id of its own ({@code sub} "auth0|..."), which is no
     * user id of the product: they sign in, accept the invitation on its page as the address of their
     * token, and administer nothing (no portfolio, even one the token's {@code portfolios} claim names).
     * The sign-in was refused ("The identity provider's sign-in was not accepted").
     */
    @Test
    void anInviteeWhoseSubIsNoUserIdSignsInAndAccepts() throws Exception {
        DirectorySeed.Portfolio portfolio = new DirectorySeed(jdbc).portfolio();
        String email = "auth0-" + UUID.randomUUID() + "@brand.example";
        PROVIDER.issue(
                UUID.randomUUID(),
                TestTokens.withSubject("auth0|" + UUID.randomUUID(), email, portfolio.id(), "OWNER"));

        HttpResponse<String> back = signInThroughTheProvider();

        assertThat(back.headers().firstValue("Location"))
                .hasValueSatisfying(location -> assertThat(location).doesNotContain("sign-in"));
        String token = "accepted-" + UUID.randomUUID();
        HttpResponse<String> accepted = accept(token);
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(200);
        assertThat(StubWorker.get().bodyFor(token)).isEqualTo("{\"email\":\"" + email + "\"}");
        HttpResponse<String> console = browser.get("/console");
        assertThat(console.statusCode()).as(console.body()).isEqualTo(200);
        assertThat(console.body()).contains("You have no permission on any portfolio.");
    }

    /**
     * Someone signed in as one person opens the invitation of another, signs out as the page says,
     * opens the link again and signs in: the provider is asked to let them choose the account
     * ({@code prompt=select_account}), and the sign-in comes back to the invitation as the invitee.
     * Before, the request asked nothing, and the provider, still signed in as the first person, signed
     * them in as that person again without a question.
     */
    @Test
    void signingInToReturnToAnInvitationLetsThePersonChooseTheAccount() throws Exception {
        UUID first = UUID.randomUUID();
        String ann = "ann-" + first + "@corp.example";
        PROVIDER.issue(first, TestTokens.token(first, ann, UUID.randomUUID()), ann, true);
        signInThroughTheProvider("oidc");
        String token = "another-" + UUID.randomUUID();
        HttpResponse<String> invitation = browser.get("/invitations/" + token);
        assertThat(invitation.body()).contains(ann);
        Matcher csrf = CSRF_FIELD.matcher(invitation.body());
        assertThat(csrf.find()).isTrue();
        HttpResponse<String> signOut =
                browser.post("/console/sign-out", Map.of("_csrf", ConsoleBrowser.unescape(csrf.group(1))));
        assertThat(signOut.headers().firstValue("Location"))
                .hasValueSatisfying(location -> assertThat(location).endsWith("/console/sign-in?signedOut"));

        HttpResponse<String> again = browser.get("/invitations/" + token);
        assertThat(again.headers().firstValue("Location"))
                .hasValueSatisfying(location -> assertThat(location).endsWith("/console/sign-in"));
        assertThat(browser.get("/console/sign-in").body()).contains("href=\"/oauth2/authorization/oidc\"");
        UUID invitee = UUID.randomUUID();
        String bob = "bob-" + invitee + "@corp.example";
        PROVIDER.issue(invitee, TestTokens.token(invitee, bob, UUID.randomUUID()), bob, true);
        HttpResponse<String> toProvider = browser.get("/oauth2/authorization/oidc");

        assertThat(toProvider.headers().firstValue("Location"))
                .hasValueSatisfying(location -> assertThat(location).contains("prompt=select_account"));
        HttpResponse<String> back = cameBackFromTheProvider("oidc", toProvider);
        assertThat(back.headers().firstValue("Location"))
                .hasValueSatisfying(location -> assertThat(location).endsWith("/invitations/" + token));
        assertThat(browser.get("/invitations/" + token).body()).contains(bob).doesNotContain(ann);
    }

    /**
     * Signing in from the sign-in page right after signing out lets the person choose the account
     * too: they may have signed out to sign in as someone else.
     */
    @Test
    void signingInRightAfterSigningOutLetsThePersonChooseTheAccount() throws Exception {
        UUID userId = UUID.randomUUID();
        String ann = "ann-" + userId + "@corp.example";
        PROVIDER.issue(userId, TestTokens.token(userId, ann, UUID.randomUUID()), ann, true);
        signInThroughTheProvider("oidc");
        Matcher csrf = CSRF_FIELD.matcher(browser.get("/console").body());
        assertThat(csrf.find()).isTrue();
        browser.post("/console/sign-out", Map.of("_csrf", ConsoleBrowser.unescape(csrf.group(1))));

        HttpResponse<String> signedOut = browser.get("/console/sign-in?signedOut");
        Matcher link =
                Pattern.compile("href=\"(/oauth2/authorization/oidc[^\"]*)\"").matcher(signedOut.body());
        assertThat(link.find()).as(signedOut.body()).isTrue();
        HttpResponse<String> toProvider = browser.get(link.group(1));

        assertThat(toProvider.headers().firstValue("Location"))
                .hasValueSatisfying(location -> assertThat(location).contains("prompt=select_account"));
    }

    /**
     * With the identity provider alone the sign-in page has no form, so it needs no session: opening it
     * stores none in PostgreSQL and sets no cookie, however often anyone opens it. The session starts
     * with the way to the provider, which keeps the authorization request in it.
     */
    @Test
    void theSignInPageWithoutAFormStoresNoSession() throws Exception {
        long openedAt = System.currentTimeMillis();

        for (String page : List.of("/console/sign-in", "/console/sign-in?expired", "/console/sign-in?signedOut")) {
            HttpResponse<String> signIn = new ConsoleBrowser(port).get(page);

            assertThat(signIn.statusCode()).as(page).isEqualTo(200);
            assertThat(signIn.body()).as(page).contains("Sign in with Corporate SSO");
            assertThat(signIn.headers().allValues("Set-Cookie"))
                    .as(page)
                    .noneMatch(cookie -> cookie.startsWith(ConsoleSession.COOKIE + "="));
        }
        assertThat(jdbc.sql("SELECT count(*) FROM jobs.console_sessions WHERE creation_time >= ?")
                        .param(openedAt)
                        .query(Long.class)
                        .single())
                .as("sessions stored since the sign-in page was opened")
                .isZero();
    }

    /** An ordinary sign-in to the console goes through the provider without a question. */
    @Test
    void anOrdinarySignInAsksTheProviderNothing() throws Exception {
        HttpResponse<String> console = browser.get("/console");
        assertThat(console.headers().firstValue("Location"))
                .hasValueSatisfying(location -> assertThat(location).endsWith("/console/sign-in"));

        HttpResponse<String> toProvider = browser.get("/oauth2/authorization/oidc");

        assertThat(toProvider.statusCode()).isEqualTo(302);
        assertThat(toProvider.headers().firstValue("Location"))
                .hasValueSatisfying(location -> assertThat(location).doesNotContain("prompt="));
    }

    /** Presses the invitation page's button, with the page's CSRF token. */
    private HttpResponse<String> accept(String token) throws Exception {
        Matcher csrf = CSRF_FIELD.matcher(browser.get("/invitations/" + token).body());
        assertThat(csrf.find()).isTrue();
        return browser.post("/invitations/" + token, Map.of("_csrf", ConsoleBrowser.unescape(csrf.group(1))));
    }

    /** The statement of README.md in backticks that starts with {@code start}, without its semicolon. */
    private static String readmeStatement(String start) throws IOException {
        Path directory = Path.of("").toAbsolutePath();
        while (!Files.isRegularFile(directory.resolve("mvnw"))) {
            directory = directory.getParent();
        }
        String readme = Files.readString(directory.resolve("README.md")).replace("\n", " ");
        Matcher statement =
                Pattern.compile("`(" + Pattern.quote(start) + "[^`]+);`").matcher(readme);
        assertThat(statement.find()).as("README.md has `%s...;`", start).isTrue();
        return statement.group(1);
    }

    private HttpResponse<String> signInThroughTheProvider() throws Exception {
        return signInThroughTheProvider("corp");
    }

    /** Signs in through the stand-in provider with the registration; answers the gateway's redirect. */
    private HttpResponse<String> signInThroughTheProvider(String registration) throws Exception {
        return PROVIDER.signIn(browser, registration);
    }

    /** Comes back from the provider to the authorization request {@code start} sent the browser to. */
    private HttpResponse<String> cameBackFromTheProvider(String registration, HttpResponse<String> start)
            throws Exception {
        return PROVIDER.cameBack(browser, registration, start);
    }
}
