package com.portfoliobulk.gateway.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import com.nimbusds.jwt.JWTClaimsSet;
import com.portfoliobulk.gateway.GatewayApplication;
import com.portfoliobulk.gateway.support.GatewayCalls;
import com.portfoliobulk.gateway.support.GatewayCalls.Answer;
import com.portfoliobulk.gateway.web.Problems;
import com.portfoliobulk.testsupport.DirectorySeed;
import com.portfoliobulk.testsupport.LogLines;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * README's Compose setup for the identity provider's RS256 tokens: only {@code
 * spring.security.oauth2.resourceserver.jwt.issuer-uri}, which Spring Boot's decoder resolves at the first
 * token it is given (the provider's OpenID Connect configuration, then the key set it names), here the
 * {@link StandInIdentityProvider}'s issuer, where nothing answers until the test starts it. The console
 * signs in through the same provider's token endpoint ({@code corp}). The first tests run while the
 * issuer does not answer, then cannot be reached, as the gateway's first tokens after a start during an
 * outage; the last once it answers, with its key-set endpoint down for a while.
 */
@SpringBootTest(
        webEnvironment = WebEnvironment.RANDOM_PORT,
        properties = {
            "spring.config.name=" + GatewayApplication.CONFIG_NAME,
            "bulk.gateway.security.hs256-secret=",
            // The key set is kept longer than any test here runs.
            "bulk.gateway.security.token-cache-ttl=10m",
            "spring.security.oauth2.client.registration.corp.client-id=bulk-console",
            "spring.security.oauth2.client.registration.corp.client-secret=console-secret",
            "spring.security.oauth2.client.registration.corp.client-name=Corporate SSO",
            "spring.security.oauth2.client.registration.corp.authorization-grant-type=authorization_code",
            "spring.security.oauth2.client.registration.corp.redirect-uri={baseUrl}/login/oauth2/code/{registrationId}",
            "spring.security.oauth2.client.registration.corp.scope=email,bulk-api",
            "spring.security.oauth2.client.provider.corp.authorization-uri=https://idp.example/authorize",
            "spring.security.oauth2.client.provider.corp.user-name-attribute=sub",
            "bulk.gateway.console.identity-provider-read-timeout="
                    + IssuerUriAloneIntegrationTests.IDENTITY_PROVIDER_READ_TIMEOUT_MS + "ms"
        })
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class IssuerUriAloneIntegrationTests {

    private static final String UNREACHABLE =
            "The identity provider cannot be reached right now; try again in a moment.";

    private static final String MISCONFIGURED = "Sign-in through the identity provider is not possible right now:"
            + " Portfolio Bulk Access cannot use the configuration the provider publishes. This is not a problem"
            + " with your account; please tell your administrator.";

    private static final String NOT_ACCEPTED = "The identity provider&#39;s sign-in was not accepted.";

    /** How long the gateway waits for the identity provider's answer here. */
    static final long IDENTITY_PROVIDER_READ_TIMEOUT_MS = 3000;

    private static final StandInIdentityProvider PROVIDER = new StandInIdentityProvider();

    @LocalServerPort
    private int port;

    @Autowired
    private JdbcClient jdbc;

    private GatewayCalls api;

    private DirectorySeed.Portfolio portfolio;

    @DynamicPropertySource
    static void provider(DynamicPropertyRegistry properties) {
        properties.add("spring.security.oauth2.resourceserver.jwt.issuer-uri", PROVIDER::issuer);
        properties.add("spring.security.oauth2.client.provider.corp.token-uri", () -> PROVIDER.url("/token"));
        properties.add("spring.security.oauth2.client.provider.corp.user-info-uri", () -> PROVIDER.url("/userinfo"));
    }

    @AfterAll
    static void stopProvider() {
        PROVIDER.stop();
    }

    @BeforeEach
    void arrange() {
        api = new GatewayCalls(port);
        portfolio = new DirectorySeed(jdbc).portfolio();
    }

    /**
     * The issuer takes the request for its configuration and never answers: tokens arriving together are
     * each answered 503 with {@code Retry-After: 5} once the one fetch under way gives up after the read
     * timeout (3 s here), and the issuer is asked once. Before, a failed fetch was not remembered: the
     * tokens waiting behind it each fetched again in turn, the k-th answered after k times the read timeout.
     */
    @Test
    @Order(1)
    void tokensArrivingWhileTheIssuerHangsAreAnswered503AfterOneReadTimeout() {
        PROVIDER.startIssuer();
        PROVIDER.silent(StandInIdentityProvider.CONFIGURATION);
        try {
            HttpClient client = HttpClient.newHttpClient();
            List<CompletableFuture<HttpResponse<String>>> answers = IntStream.range(0, 4)
                    .mapToObj(i -> client.sendAsync(
                            HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/api/v1/portfolios/"
                                            + portfolio.id() + "/accounts"))
                                    .header("Authorization", "Bearer " + PROVIDER.accessToken(claims()))
                                    // Each answer within one and a half times the gateway's read timeout.
                                    .timeout(Duration.ofMillis(IDENTITY_PROVIDER_READ_TIMEOUT_MS * 3 / 2))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString()))
                    .toList();

            for (CompletableFuture<HttpResponse<String>> answer : answers) {
                HttpResponse<String> response = answer.join();
                assertThat(response.statusCode()).as(response.body()).isEqualTo(503);
                assertThat(response.headers().firstValue("Retry-After")).hasValue("5");
                assertThat(response.body()).contains("identity provider's key set");
            }
            assertThat(PROVIDER.unansweredRequests())
                    .as("configuration requests")
                    .isEqualTo(1);
        } finally {
            PROVIDER.silent(null);
            PROVIDER.stopIssuer();
        }
    }

    /**
     * The issuer answers but publishes no configuration (404 at {@code /.well-known/openid-configuration}),
     * then one naming another issuer: a token cannot be checked, and is answered 503 {@code unavailable}
     * with {@code Retry-After: 5}, as while the issuer cannot be reached: the gateway cannot check tokens
     * right now, which is no fault of the client's. Each is logged as one WARN line naming what is wrong,
     * for the operator. A console sign-in says that sign-in through the provider is not possible right now
     * and to tell the administrator, and leaves the browser signed out. Before, every API call with a token
     * was answered 500 "Internal error" (an error id and a stack trace in the log), and the sign-in said it
     * was not accepted.
     */
    @Test
    @Order(2)
    void tokensThatCannotBeCheckedForAConfigurationThatCannotBeUsedAnswer503() throws Exception {
        String token = PROVIDER.accessToken(claims());
        PROVIDER.configurationNames(null);
        PROVIDER.startIssuer();
        try {
            assertConfigurationCannotBeUsed(
                    token,
                    "Unable to resolve the Configuration with the provided Issuer of \"" + PROVIDER.issuer() + "\"");

            UUID userId = UUID.randomUUID();
            PROVIDER.issue(userId, PROVIDER.accessToken(claims().subject(userId.toString())));
            ConsoleBrowser browser = new ConsoleBrowser(port);
            HttpResponse<String> back;
            List<ILoggingEvent> lines;
            try (LogLines log = LogLines.of("com.portfoliobulk.gateway")) {
                back = PROVIDER.signIn(browser, "corp");
                lines = log.lines();
            }
            assertThat(back.headers().firstValue("Location"))
                    .hasValueSatisfying(location -> assertThat(location).endsWith("/console/sign-in?misconfigured"));
            assertThat(lines)
                    .filteredOn(line -> line.getLevel().isGreaterOrEqual(Level.WARN))
                    .singleElement()
                    .satisfies(line -> {
                        assertThat(line.getFormattedMessage())
                                .startsWith("The identity provider's configuration cannot be used to check the access"
                                        + " token of a sign-in")
                                .contains("Unable to resolve the Configuration with the provided Issuer");
                        assertThat(line.getThrowableProxy()).isNull();
                    });
            assertThat(browser.get("/console/sign-in?misconfigured").body())
                    .contains(MISCONFIGURED)
                    .doesNotContain(NOT_ACCEPTED, UNREACHABLE);
            HttpResponse<String> users = browser.get("/console/portfolios/" + portfolio.id() + "/users");
            assertThat(users.statusCode()).as("signed out, not half signed in").isEqualTo(302);

            PROVIDER.configurationNames("https://elsewhere.example");
            assertConfigurationCannotBeUsed(
                    token,
                    "The Issuer \"https://elsewhere.example\" provided in the configuration did not match the"
                            + " requested issuer \"" + PROVIDER.issuer() + "\"");
        } finally {
            PROVIDER.configurationNames(PROVIDER.issuer());
            PROVIDER.stopIssuer();
        }

        // Nothing answers at the issuer any more: the outage's 503, once the failure remembered has ended.
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(250))
                .until(() -> accounts(token).body().path("detail").asString(), detail -> detail.contains("key set"));
    }

    /**
     * Calls the API with the token until it is answered other than 503 or the gateway's WARN line names
     * {@code cause} (a failure remembered before is given for 5 s at most): that call is answered 503
     * {@code unavailable} with {@code Retry-After: 5}, its line names the provider's configuration that
     * cannot be used, and what to correct, without a stack trace.
     */
    private void assertConfigurationCannotBeUsed(String token, String cause) {
        try (LogLines log = LogLines.of("com.portfoliobulk.gateway")) {
            AtomicReference<ILoggingEvent> named = new AtomicReference<>();
            Answer answer = await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(250))
                    .until(() -> accounts(token), candidate -> {
                        log.lines().stream()
                                .filter(line -> line.getFormattedMessage().contains(cause))
                                .findFirst()
                                .ifPresent(named::set);
                        return candidate.status() != 503 || named.get() != null;
                    });

            assertThat(answer.status()).as(answer.text()).isEqualTo(503);
            assertThat(answer.header("Retry-After")).isEqualTo("5");
            assertThat(answer.body().path("type").asString()).isEqualTo(Problems.UNAVAILABLE.toString());
            assertThat(answer.body().path("detail").asString())
                    .contains("cannot check bearer tokens right now")
                    .contains("identity provider's configuration cannot be used");
            assertThat(named.get()).as("a WARN line naming %s", cause).isNotNull();
            assertThat(named.get().getLevel()).isEqualTo(Level.WARN);
            assertThat(named.get().getFormattedMessage())
                    .startsWith("Answering 503: the identity provider's configuration cannot be used to check the"
                            + " bearer token of GET ")
                    .contains("spring.security.oauth2.resourceserver.jwt.issuer-uri");
            assertThat(named.get().getThrowableProxy()).isNull();
        }
    }

    /**
     * While the issuer cannot be reached, a token cannot be checked: 503 {@code unavailable} with {@code
     * Retry-After: 5}, logged as one WARN line, as when the key set cannot be fetched; a token that is no
     * JWT is still 401; a console sign-in says the provider cannot be reached and leaves the browser signed
     * out. Once the issuer answers, the same token is accepted, without a restart (within 5 s, as long as
     * the failed fetch is remembered). Before, every API call with a token (one that is no JWT too) was
     * answered 500 "Internal error", and the sign-in ended on a 500 page with the provider's
     * authentication left in the session.
     */
    @Test
    @Order(3)
    void tokensThatCannotBeCheckedForWantOfTheIssuerAnswer503UntilItAnswers() throws Exception {
        String token = PROVIDER.accessToken(claims());
        Answer answer;
        List<ILoggingEvent> lines;
        try (LogLines log = LogLines.of("com.portfoliobulk.gateway")) {
            answer = accounts(token);
            lines = log.lines();
        }

        assertThat(answer.status()).as(answer.text()).isEqualTo(503);
        assertThat(answer.header("Retry-After")).isEqualTo("5");
        assertThat(answer.body().path("type").asString()).isEqualTo(Problems.UNAVAILABLE.toString());
        assertThat(answer.body().path("detail").asString()).contains("identity provider's key set");
        assertThat(lines)
                .filteredOn(line -> line.getLevel().isGreaterOrEqual(Level.WARN))
                .singleElement()
                .satisfies(line -> {
                    assertThat(line.getFormattedMessage())
                            .startsWith("Answering 503: the identity provider's key set is unavailable to GET ");
                    assertThat(line.getThrowableProxy()).isNull();
                });
        assertThat(accounts("not-a-jwt").status()).as("no JWT").isEqualTo(401);

        UUID userId = UUID.randomUUID();
        PROVIDER.issue(userId, PROVIDER.accessToken(claims().subject(userId.toString())));
        ConsoleBrowser browser = new ConsoleBrowser(port);
        HttpResponse<String> back = PROVIDER.signIn(browser, "corp");
        assertThat(back.headers().firstValue("Location"))
                .hasValueSatisfying(location -> assertThat(location).endsWith("/console/sign-in?unavailable"));
        assertThat(browser.get("/console/sign-in?unavailable").body()).contains(UNREACHABLE);
        HttpResponse<String> users = browser.get("/console/portfolios/" + portfolio.id() + "/users");
        assertThat(users.statusCode()).as("signed out, not half signed in").isEqualTo(302);
        assertThat(users.headers().firstValue("Location"))
                .hasValueSatisfying(location -> assertThat(location).contains("/console/sign-in"));

        PROVIDER.startIssuer();

        // The failed fetch is remembered for 5 s at most.
        Answer accepted = await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(250))
                .until(() -> accounts(token), candidate -> candidate.status() != 503);
        assertThat(accepted.status()).as(accepted.text()).isEqualTo(200);
        assertThat(accounts("not-a-jwt").status()).as("no JWT").isEqualTo(401);
    }

    /**
     * A token naming a key the kept set lacks, which anyone can send (a made-up {@code kid}, no valid
     * signature), has the key set fetched again once the kept set is 5 s old; while the provider's
     * key-set endpoint is down that fetch fails and the token is answered 503. A token signed with a key
     * of the kept set, not remembered yet, is still accepted, as until the kept set's time ends. Before,
     * the failed fetch dropped the kept set, and every token not remembered was answered 503 until the
     * endpoint answered again.
     */
    @Test
    @Order(4)
    void aFailedFetchForAMadeUpKeyKeepsTheKeySetKept() {
        PROVIDER.startIssuer();
        Answer fetched = accounts(PROVIDER.accessToken(claims()));
        assertThat(fetched.status()).as(fetched.text()).isEqualTo(200);
        String madeUp = part("{\"alg\":\"RS256\",\"kid\":\"made-up\"}") + "."
                + part("{\"sub\":\"" + UUID.randomUUID() + "\"}") + "." + part("no signature");
        PROVIDER.down("/jwks");
        try {
            // Refused as a key the kept set lacks until that set may be fetched again (5 s at most).
            Answer refetched = await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(250))
                    .until(() -> accounts(madeUp), answer -> answer.status() != 401);
            assertThat(refetched.status()).as(refetched.text()).isEqualTo(503);

            Answer kept = accounts(PROVIDER.accessToken(claims()));

            assertThat(kept.status()).as(kept.text()).isEqualTo(200);
        } finally {
            PROVIDER.down(null);
        }
    }

    private static String part(String text) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    private JWTClaimsSet.Builder claims() {
        return new JWTClaimsSet.Builder()
                .subject(UUID.randomUUID().toString())
                .claim("email", "caller@agency.example")
                .claim("portfolios", Map.of(portfolio.id().toString(), List.of("USER_MANAGEMENT_VIEW")))
                .issueTime(new Date())
                .expirationTime(Date.from(Instant.now().plusSeconds(600)));
    }

    private Answer accounts(String token) {
        return api.get(token, "/api/v1/portfolios/" + portfolio.id() + "/accounts");
    }
}
