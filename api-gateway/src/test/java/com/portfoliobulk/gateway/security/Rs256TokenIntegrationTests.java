package com.portfoliobulk.gateway.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.portfoliobulk.gateway.GatewayApplication;
import com.portfoliobulk.gateway.support.GatewayCalls;
import com.portfoliobulk.gateway.support.GatewayCalls.Answer;
import com.portfoliobulk.gateway.web.Problems;
import com.portfoliobulk.testsupport.LogLines;
import com.portfoliobulk.testsupport.TestTokens;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.CookieManager;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
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
 * The production setup: RS256 tokens of an identity provider whose key set is published at a JWK set
 * URI (here a tiny server in this test, with the token and user info endpoints of the console's sign-in
 * through the provider), with its issuer and an audience checked, and no HS256 secret. Validated tokens
 * are remembered for a short time here, so that a withdrawn key's end is seen soon.
 */
@SpringBootTest(
        webEnvironment = WebEnvironment.RANDOM_PORT,
        properties = {
            "spring.config.name=" + GatewayApplication.CONFIG_NAME,
            "bulk.gateway.security.hs256-secret=",
            "spring.security.oauth2.resourceserver.jwt.issuer-uri=" + Rs256TokenIntegrationTests.ISSUER,
            "spring.security.oauth2.resourceserver.jwt.audiences=portfolio-bulk-access",
            "bulk.gateway.security.token-cache-ttl=" + Rs256TokenIntegrationTests.TOKEN_CACHE_TTL,
            "bulk.gateway.console.identity-provider-read-timeout="
                    + Rs256TokenIntegrationTests.IDENTITY_PROVIDER_READ_TIMEOUT_MS + "ms",
            "spring.security.oauth2.client.registration.corp.client-id=bulk-console",
            "spring.security.oauth2.client.registration.corp.client-secret=console-secret",
            "spring.security.oauth2.client.registration.corp.authorization-grant-type=authorization_code",
            "spring.security.oauth2.client.registration.corp.redirect-uri={baseUrl}/login/oauth2/code/{registrationId}",
            "spring.security.oauth2.client.registration.corp.scope=email,bulk-api",
            "spring.security.oauth2.client.provider.corp.authorization-uri=https://idp.example.test/authorize",
            "spring.security.oauth2.client.provider.corp.user-name-attribute=sub"
        })
class Rs256TokenIntegrationTests {

    static final String ISSUER = "https://idp.example.test/";

    static final String TOKEN_CACHE_TTL = "2s";

    /** How long the gateway waits for the identity provider's answer here. */
    static final long IDENTITY_PROVIDER_READ_TIMEOUT_MS = 3000;

    private static final RSAKey IDP_KEY = generate("idp-1");

    /** The key set the identity provider publishes now. */
    private static final AtomicReference<JWKSet> PUBLISHED = new AtomicReference<>(new JWKSet(IDP_KEY.toPublicJWK()));

    /** How many times the key set was fetched. */
    private static final AtomicInteger FETCHES = new AtomicInteger();

    /** Whether the key-set endpoint fails (answers 500), as an identity provider's outage. */
    private static final AtomicBoolean KEY_SET_FAILING = new AtomicBoolean();

    /** Whether the key-set endpoint takes requests and never answers them, as a provider that hangs. */
    private static final AtomicBoolean KEY_SET_SILENT = new AtomicBoolean();

    /** The key-set requests taken while {@link #KEY_SET_SILENT}, left unanswered. */
    private static final List<HttpExchange> UNANSWERED = new CopyOnWriteArrayList<>();

    /** When the key set was last served. */
    private static final AtomicReference<Instant> SERVED = new AtomicReference<>(Instant.EPOCH);

    /** The access token the identity provider's token endpoint issues to the console's sign-in. */
    private static final AtomicReference<String> ISSUED = new AtomicReference<>();

    private static final HttpServer JWK_SET = serve();

    @LocalServerPort
    int port;

    @Autowired
    JdbcClient jdbc;

    private GatewayCalls api;

    private UUID portfolio;

    @DynamicPropertySource
    static void identityProvider(DynamicPropertyRegistry registry) {
        registry.add(
                "spring.security.oauth2.resourceserver.jwt.jwk-set-uri",
                () -> "http://127.0.0.1:" + JWK_SET.getAddress().getPort() + "/jwks");
        registry.add(
                "spring.security.oauth2.client.provider.corp.token-uri",
                () -> "http://127.0.0.1:" + JWK_SET.getAddress().getPort() + "/token");
        registry.add(
                "spring.security.oauth2.client.provider.corp.user-info-uri",
                () -> "http://127.0.0.1:" + JWK_SET.getAddress().getPort() + "/userinfo");
    }

    @AfterAll
    static void stopIdentityProvider() {
        JWK_SET.stop(0);
    }

    @BeforeEach
    void arrange() {
        api = new GatewayCalls(port);
        portfolio = UUID.randomUUID();
        jdbc.sql("INSERT INTO directory.portfolios (id, name) VALUES (?, 'RS256')")
                .params(portfolio)
                .update();
    }

    @Test
    void acceptsTheIdentityProvidersRs256Tokens() {
        Answer answer = accounts(Jwts.rs256(IDP_KEY, idpClaims()));

        assertThat(answer.status()).as(answer.text()).isEqualTo(200);
    }

    @Test
    void refusesHs256TokensEvenWithTheDevelopmentSecret() {
        assertThat(accounts(Jwts.hs256(idpClaims())).status()).isEqualTo(401);
        assertThat(accounts(TestTokens.token(UUID.randomUUID(), "a@x.example", portfolio, "OWNER"))
                        .status())
                .isEqualTo(401);
    }

    @Test
    void refusesTokensOfAKeyWithdrawnFromTheKeySetOnceTheTokenCacheTimePassed() {
        RSAKey rotatedOut = generate("idp-rotated-out");
        PUBLISHED.set(new JWKSet(List.of(IDP_KEY.toPublicJWK(), rotatedOut.toPublicJWK())));
        String token = Jwts.rs256(rotatedOut, idpClaims());
        // Once the key set kept is old enough to be fetched again for a key it lacks.
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(250))
                .until(() -> accounts(token).status() == 200);

        PUBLISHED.set(new JWKSet(IDP_KEY.toPublicJWK()));

        // Refused within the token cache's time (2 s here), not after the key set decoder's own five minutes.
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(250))
                .until(() -> accounts(token).status() == 401);
        assertThat(accounts(Jwts.rs256(IDP_KEY, idpClaims())).status())
                .as("the key still published")
                .isEqualTo(200);
    }

    /**
     * Tokens naming keys the set lacks, as anyone can make them, do not have the key set fetched for each:
     * the decoder fetches it holding a lock every other token waits on, and the identity provider answers
     * every fetch.
     */
    @Test
    void tokensOfUnknownKeysDoNotHaveTheKeySetFetchedForEach() {
        assertThat(accounts(Jwts.rs256(IDP_KEY, idpClaims())).status()).isEqualTo(200);
        RSAKey unknown = generate("unknown");
        int before = FETCHES.get();
        long started = System.nanoTime();

        for (int i = 0; i < 20; i++) {
            RSAKey named = new RSAKey.Builder(unknown).keyID("unknown-" + i).build();
            assertThat(accounts(Jwts.rs256(named, idpClaims())).status()).isEqualTo(401);
        }

        // Fetched again only as the kept set's time (2 s here) or the least time between fetches for
        // unknown keys (5 s) passes, not twenty times.
        long seconds = Duration.ofNanos(System.nanoTime() - started).toSeconds();
        assertThat(FETCHES.get() - before).isLessThanOrEqualTo(2 + (int) (seconds / 2));
    }

    @Test
    void refusesTokensSignedWithAnotherKey() {
        RSAKey impostor = generate(IDP_KEY.getKeyID());

        assertThat(accounts(Jwts.rs256(impostor, idpClaims())).status()).isEqualTo(401);
    }

    @Test
    void refusesTokensOfAnotherIssuerOrAudience() {
        assertThat(accounts(Jwts.rs256(IDP_KEY, idpClaims().issuer("https://evil.example.test/")))
                        .status())
                .isEqualTo(401);
        assertThat(accounts(Jwts.rs256(IDP_KEY, idpClaims().audience("another-api")))
                        .status())
                .isEqualTo(401);
    }

    @Test
    void refusesTokensWithoutExpiryOrCaller() {
        assertThat(accounts(Jwts.rs256(IDP_KEY, idpClaims().expirationTime(null)))
                        .status())
                .isEqualTo(401);
        assertThat(accounts(Jwts.rs256(IDP_KEY, idpClaims().claim("email", null)))
                        .status())
                .isEqualTo(401);
    }

    /**
     * The identity provider's key-set endpoint fails when a token of a key the kept set lacks (one the
     * provider has just started signing with) comes: the token cannot be checked, which is an outage of a
     * dependency, not a bad token and no defect: 503 {@code unavailable} with {@code Retry-After}, logged
     * as one WARN line naming the key set. Before, the decoder's failure left the security filters and
     * the error page answered it 500 "Internal error", logged with a stack trace. A token that is no JWT
     * needs no key and is still 401; once the key set is back the new key works and a tampered token is
     * still 401. The line of an invitation's accept names its path without the invitation token.
     */
    @Test
    void aKeySetThatCannotBeFetchedAnswers503WithRetryAfter() {
        RSAKey rotatedIn = generate("idp-rotated-in");
        String token = Jwts.rs256(rotatedIn, idpClaims());
        KEY_SET_FAILING.set(true);
        try (LogLines log = LogLines.of("com.portfoliobulk.gateway")) {
            PUBLISHED.set(new JWKSet(List.of(IDP_KEY.toPublicJWK(), rotatedIn.toPublicJWK())));

            // Refused as a key the kept set lacks until that set may be fetched again (5 s at most).
            Answer answer = await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(250))
                    .until(() -> accounts(token), fetched -> fetched.status() != 401);

            assertThat(answer.status()).as(answer.text()).isEqualTo(503);
            assertThat(answer.header("Retry-After")).isEqualTo("5");
            assertThat(answer.body().path("type").asString()).isEqualTo(Problems.UNAVAILABLE.toString());
            assertThat(answer.body().path("detail").asString()).contains("identity provider's key set");
            assertThat(answer.body().has("errorId")).isFalse();
            List<ILoggingEvent> lines = log.lines();
            assertThat(lines)
                    .filteredOn(line -> line.getFormattedMessage().contains("identity provider's key set"))
                    .singleElement()
                    .satisfies(line -> {
                        assertThat(line.getLevel()).isEqualTo(Level.WARN);
                        assertThat(line.getFormattedMessage()).startsWith("Answering 503: ");
                        assertThat(line.getThrowableProxy()).isNull();
                    });
            assertThat(lines).noneMatch(line -> line.getLevel() == Level.ERROR);
            assertThat(accounts("not-a-jwt").status()).as("no JWT").isEqualTo(401);

            // An invitation's accept: its line names the path without the invitation token.
            String invitation = "invitation-" + UUID.randomUUID();
            Answer accept = api.post(token, "/api/v1/invitations/" + invitation + "/accept", null, null);
            assertThat(accept.status()).as(accept.text()).isEqualTo(503);
            assertThat(log.lines())
                    .filteredOn(line -> line.getFormattedMessage().contains("/accept"))
                    .singleElement()
                    .satisfies(line -> assertThat(line.getFormattedMessage())
                            .startsWith("Answering 503: ")
                            .contains("POST /api/v1/invitations/{token}/accept")
                            .doesNotContain(invitation));
        } finally {
            KEY_SET_FAILING.set(false);
        }

        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(250))
                .until(() -> accounts(token).status() == 200);
        assertThat(accounts(tampered(token)).status()).as("tampered").isEqualTo(401);
        PUBLISHED.set(new JWKSet(IDP_KEY.toPublicJWK()));
    }

    /**
     * The identity provider's key-set endpoint takes the request and never answers, when the key set kept
     * is old enough to be fetched again: several tokens arriving together are each answered 503 with
     * {@code Retry-After: 5} once the one fetch under way gives up after the read timeout (3 s here), and
     * the provider is asked once. Before, the fetch had Spring Security's own 30 s to answer, and the
     * tokens waiting behind it each fetched again in turn, the k-th answered after k times that.
     */
    @Test
    void tokensArrivingWhileTheKeySetEndpointHangsAreAnswered503AfterOneReadTimeout() throws Exception {
        assertThat(accounts(Jwts.rs256(IDP_KEY, idpClaims())).status()).isEqualTo(200);
        KEY_SET_SILENT.set(true);
        try {
            // Once the key set kept (2 s here) is to be fetched again.
            Instant stale =
                    SERVED.get().plus(Duration.parse("PT" + TOKEN_CACHE_TTL)).plusMillis(250);
            await().atMost(Duration.ofSeconds(10)).until(() -> Instant.now().isAfter(stale));
            int before = FETCHES.get();
            HttpClient client = HttpClient.newHttpClient();
            List<CompletableFuture<HttpResponse<String>>> answers = IntStream.range(0, 4)
                    .mapToObj(i -> client.sendAsync(
                            HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/api/v1/portfolios/"
                                            + portfolio + "/accounts"))
                                    .header("Authorization", "Bearer " + Jwts.rs256(IDP_KEY, idpClaims()))
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
            // One fetch, none when a failure of the last 5 s was still remembered.
            assertThat(FETCHES.get() - before).as("key-set fetches").isLessThanOrEqualTo(1);
        } finally {
            KEY_SET_SILENT.set(false);
            UNANSWERED.forEach(HttpExchange::close);
            UNANSWERED.clear();
        }

        // Fetched again within 5 s of the failure once the endpoint answers.
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(250))
                .until(() -> accounts(Jwts.rs256(IDP_KEY, idpClaims())).status() == 200);
    }

    /**
     * The console's sign-in through the identity provider: the access token it issues, signed with a key
     * the kept set lacks, cannot be checked while the key-set endpoint fails. The sign-in page says the
     * provider cannot be reached, to try again in a moment, logged as one WARN line. It said "The
     * identity provider's sign-in was not accepted", as for a token the API refuses, which it still says
     * for a tampered token once the key set is back.
     */
    @Test
    void aConsoleSignInWhoseAccessTokenCannotBeCheckedSaysTheProviderCannotBeReached() {
        RSAKey rotatedIn = generate("idp-rotated-in-console");
        ISSUED.set(Jwts.rs256(rotatedIn, idpClaims()));
        KEY_SET_FAILING.set(true);
        try (LogLines log = LogLines.of("com.portfoliobulk.gateway.console")) {
            PUBLISHED.set(new JWKSet(List.of(IDP_KEY.toPublicJWK(), rotatedIn.toPublicJWK())));

            // Refused as a key the kept set lacks until that set may be fetched again (5 s at most).
            HttpClient browser = browser();
            String outcome = await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(250))
                    .until(() -> signInThroughTheProvider(browser), back -> !back.endsWith("?rejected"));

            assertThat(outcome).endsWith("/console/sign-in?unavailable");
            assertThat(page(browser, "/console/sign-in?unavailable"))
                    .contains("The identity provider cannot be reached right now; try again in a moment.")
                    .doesNotContain("not accepted");
            assertThat(log.lines())
                    .filteredOn(line -> line.getFormattedMessage().contains("cannot be reached"))
                    .singleElement()
                    .satisfies(line -> {
                        assertThat(line.getLevel()).isEqualTo(Level.WARN);
                        assertThat(line.getThrowableProxy()).isNull();
                    });
        } finally {
            KEY_SET_FAILING.set(false);
        }

        // The key set is fetched again no sooner than 5 s after the last fetch that failed.
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(250))
                .until(() -> accounts(Jwts.rs256(IDP_KEY, idpClaims())).status() == 200);
        ISSUED.set(tampered(Jwts.rs256(rotatedIn, idpClaims())));
        HttpClient browser = browser();
        assertThat(signInThroughTheProvider(browser)).endsWith("/console/sign-in?rejected");
        assertThat(page(browser, "/console/sign-in?rejected"))
                .contains("The identity provider&#39;s sign-in was not accepted.")
                .doesNotContain("cannot be reached");
        PUBLISHED.set(new JWKSet(IDP_KEY.toPublicJWK()));
    }

    /** A browser that keeps cookies and follows no redirects. */
    private static HttpClient browser() {
        return HttpClient.newBuilder()
                .cookieHandler(new CookieManager())
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    /**
     * Goes to the identity provider, comes back from it with a code for the authorization request, and
     * answers where the gateway sends the browser then.
     */
    private String signInThroughTheProvider(HttpClient browser) {
        String toProvider = send(browser, "/oauth2/authorization/corp")
                .headers()
                .firstValue("Location")
                .orElseThrow();
        Matcher state = Pattern.compile("[?&]state=([^&]+)").matcher(toProvider);
        assertThat(state.find()).as(toProvider).isTrue();
        HttpResponse<String> back = send(browser, "/login/oauth2/code/corp?code=the-code&state=" + state.group(1));
        assertThat(back.statusCode()).as(back.body()).isEqualTo(302);
        return back.headers().firstValue("Location").orElseThrow();
    }

    private String page(HttpClient browser, String path) {
        HttpResponse<String> page = send(browser, path);
        assertThat(page.statusCode()).isEqualTo(200);
        return page.body();
    }

    private HttpResponse<String> send(HttpClient browser, String path) {
        try {
            return browser.send(
                    HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
    }

    /** {@code token} with the payload of another token: its signature no longer matches. */
    private String tampered(String token) {
        String[] parts = token.split("\\.");
        String other = Jwts.rs256(
                IDP_KEY, Jwts.claims(portfolio, "OWNER").issuer(ISSUER).audience("portfolio-bulk-access"));
        return parts[0] + "." + other.split("\\.")[1] + "." + parts[2];
    }

    private JWTClaimsSet.Builder idpClaims() {
        return Jwts.claims(portfolio, "USER_MANAGEMENT_VIEW").issuer(ISSUER).audience(List.of("portfolio-bulk-access"));
    }

    private Answer accounts(String token) {
        return api.get(token, "/api/v1/portfolios/" + portfolio + "/accounts");
    }

    private static RSAKey generate(String keyId) {
        try {
            return new RSAKeyGenerator(2048).keyID(keyId).generate();
        } catch (JOSEException ex) {
            throw new IllegalStateException(ex);
        }
    }

    private static HttpServer serve() {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.createContext("/jwks", exchange -> {
                FETCHES.incrementAndGet();
                if (KEY_SET_SILENT.get()) {
                    UNANSWERED.add(exchange);
                    return;
                }
                if (KEY_SET_FAILING.get()) {
                    exchange.sendResponseHeaders(500, -1);
                    exchange.close();
                    return;
                }
                byte[] body = PUBLISHED.get().toString().getBytes(StandardCharsets.UTF_8);
                SERVED.set(Instant.now());
                exchange.getResponseHeaders().set("Content-Type", "application/json");
                exchange.sendResponseHeaders(200, body.length);
                exchange.getResponseBody().write(body);
                exchange.close();
            });
            server.createContext("/token", exchange -> {
                exchange.getRequestBody().readAllBytes();
                answer(
                        exchange,
                        "{\"access_token\":\"" + ISSUED.get()
                                + "\",\"token_type\":\"Bearer\",\"expires_in\":300,\"scope\":\"email bulk-api\"}");
            });
            server.createContext("/userinfo", exchange -> answer(exchange, "{\"sub\":\"" + UUID.randomUUID() + "\"}"));
            server.start();
            return server;
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    private static void answer(HttpExchange exchange, String json) throws IOException {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, body.length);
        exchange.getResponseBody().write(body);
        exchange.close();
    }
}
