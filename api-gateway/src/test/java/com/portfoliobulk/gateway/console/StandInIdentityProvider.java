package com.portfoliobulk.gateway.console;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.portfoliobulk.testsupport.FreePorts;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The identity provider's token, user info and key set endpoints, issuing the access token a test
 * chose and, to a request for {@code openid}, an ID token signed with its key; and the browser's
 * round trip through it. A test context points a client registration's token, user info (and, for
 * OpenID Connect, key set) URIs at {@link #url}, or its issuer at {@link #issuer}, where its OpenID
 * Connect configuration names them once {@link #startIssuer started}. Its token or key set endpoint can
 * be down ({@link #down}), as in an outage of the provider, and its token, user-info or key set endpoint,
 * or its issuer's configuration, can take requests and never answer them ({@link #silent}).
 */
final class StandInIdentityProvider {

    private static final Pattern STATE = Pattern.compile("[?&]state=([^&]+)");

    private static final Pattern NONCE = Pattern.compile("[?&]nonce=([^&]+)");

    /** Where the {@link #issuer} publishes its OpenID Connect configuration. */
    static final String CONFIGURATION = "/.well-known/openid-configuration";

    private final HttpServer server;

    /** The port of {@link #issuer}, where nothing answers until {@link #startIssuer}. */
    private final int issuerPort = FreePorts.take();

    private volatile HttpServer issuerServer;

    /** The issuer the configuration published at the {@link #issuer} names; null when none is published. */
    private volatile String configurationIssuer;

    private final RSAKey key;

    /** The key of ID tokens issued while the key set is down: one no key set it published has. */
    private final RSAKey unpublishedKey;

    /** Whether ID tokens are issued with a signature that is not the key's. */
    private volatile boolean forged;

    /** The endpoint that answers 503 Service Unavailable, as in an outage; null when none. */
    private volatile String down;

    /** The endpoint that takes requests and never answers them; null when none. */
    private volatile String silent;

    /** The requests the {@link #silent} endpoint took, left unanswered until it answers again. */
    private final List<HttpExchange> unanswered = new ArrayList<>();

    private volatile UUID subject;

    private volatile String accessToken;

    private volatile String email;

    private volatile Boolean emailVerified;

    private volatile String nonce;

    StandInIdentityProvider() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", FreePorts.take()), 0);
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        try {
            key = new RSAKeyGenerator(2048).keyID("idp-key").generate();
            unpublishedKey =
                    new RSAKeyGenerator(2048).keyID("idp-key-unpublished").generate();
        } catch (JOSEException ex) {
            throw new IllegalStateException(ex);
        }
        server.createContext("/token", this::token);
        server.createContext("/userinfo", this::userInfo);
        server.createContext("/jwks", this::keys);
        server.start();
        configurationIssuer = issuer();
    }

    void issue(UUID subject, String accessToken) {
        issue(subject, accessToken, null, null);
    }

    /** The tokens of the next sign-in: the ID token names {@code email} and says whether it is verified. */
    void issue(UUID subject, String accessToken, String email, Boolean emailVerified) {
        this.subject = subject;
        this.accessToken = accessToken;
        this.email = email;
        this.emailVerified = emailVerified;
    }

    /**
     * Makes the endpoint ({@code /token} or {@code /jwks}) answer 503 until {@code null} is given. While
     * the key set is down, ID tokens are signed with a key it never published, so that the gateway must
     * fetch the key set to check them whatever key set it has kept.
     */
    void down(String endpoint) {
        this.down = endpoint;
    }

    /**
     * Makes the endpoint ({@code /token}, {@code /userinfo}, {@code /jwks}, or the issuer's {@link
     * #CONFIGURATION}) take requests and never answer them, as a provider that hangs, until {@code null}
     * is given: then the connections of the requests it took are closed, still without an answer.
     */
    void silent(String endpoint) {
        this.silent = endpoint;
        if (endpoint == null) {
            synchronized (unanswered) {
                unanswered.forEach(HttpExchange::close);
                unanswered.clear();
            }
        }
    }

    /**
     * An access token for the API signed with the key the provider publishes, issued by its {@link
     * #issuer}, with {@code claims}.
     */
    String accessToken(JWTClaimsSet.Builder claims) {
        SignedJWT token = new SignedJWT(
                new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID()).build(),
                claims.issuer(issuer()).build());
        try {
            token.sign(new RSASSASigner(key));
        } catch (JOSEException ex) {
            throw new IllegalStateException(ex);
        }
        return token.serialize();
    }

    /** Makes the ID tokens issued from now on carry a signature that is not the key's (or not). */
    void forgeIdTokens(boolean forged) {
        this.forged = forged;
    }

    /** The nonce of the authorization request under way, which its ID token repeats. */
    private void nonce(String nonce) {
        this.nonce = nonce;
    }

    /**
     * Starts the authorization code flow of the registration and comes back from the provider with a
     * code (the provider learns the request's nonce, for its ID token); answers the gateway's redirect.
     */
    HttpResponse<String> signIn(ConsoleBrowser browser, String registration) throws Exception {
        return cameBack(browser, registration, browser.get("/oauth2/authorization/" + registration));
    }

    /**
     * Comes back from the provider with a code for the authorization request the gateway sent the
     * browser to ({@code start}, its redirect); answers the gateway's redirect.
     */
    HttpResponse<String> cameBack(ConsoleBrowser browser, String registration, HttpResponse<String> start)
            throws Exception {
        assertThat(start.statusCode()).isEqualTo(302);
        String location = start.headers().firstValue("Location").orElseThrow();
        Matcher state = STATE.matcher(location);
        assertThat(state.find()).isTrue();
        Matcher nonce = NONCE.matcher(location);
        nonce(nonce.find() ? URLDecoder.decode(nonce.group(1), StandardCharsets.UTF_8) : null);
        HttpResponse<String> back =
                browser.get("/login/oauth2/code/" + registration + "?code=the-code&state=" + state.group(1));
        assertThat(back.statusCode()).as(back.body()).isEqualTo(302);
        return back;
    }

    String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    /**
     * The provider's issuer ({@code issuer-uri}): nothing listens there, as while the provider cannot be
     * reached, until {@link #startIssuer}.
     */
    String issuer() {
        return "http://127.0.0.1:" + issuerPort;
    }

    /** Where the configuration published at the {@link #issuer} sends the browser to sign in. */
    String authorizationEndpoint() {
        return issuer() + "/authorize";
    }

    /**
     * Starts answering at the {@link #issuer}: its OpenID Connect configuration
     * ({@code /.well-known/openid-configuration}) names this provider's token, user info and key set
     * endpoints, and the {@link #authorizationEndpoint}.
     */
    synchronized void startIssuer() {
        if (issuerServer != null) {
            return;
        }
        try {
            issuerServer = HttpServer.create(new InetSocketAddress("127.0.0.1", issuerPort), 0);
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        issuerServer.createContext(CONFIGURATION, this::configuration);
        issuerServer.start();
    }

    /**
     * Makes the configuration published at the {@link #issuer} name {@code issuer} (its own, {@link
     * #issuer()}, unless told otherwise), or, given {@code null}, publishes none: its address answers 404.
     */
    void configurationNames(String issuer) {
        this.configurationIssuer = issuer;
    }

    /** Stops answering at the {@link #issuer}, as before {@link #startIssuer}; it may be started again. */
    synchronized void stopIssuer() {
        if (issuerServer != null) {
            issuerServer.stop(0);
            issuerServer = null;
        }
    }

    /** How many requests the {@link #silent} endpoint has taken and left unanswered. */
    int unansweredRequests() {
        synchronized (unanswered) {
            return unanswered.size();
        }
    }

    private void configuration(HttpExchange exchange) throws IOException {
        if (unanswered(exchange)) {
            return;
        }
        String named = configurationIssuer;
        if (named == null) {
            answer(exchange, 404, "{\"error\":\"not_found\"}");
            return;
        }
        answer(
                exchange,
                200,
                "{\"issuer\":\"" + named + "\",\"authorization_endpoint\":\"" + authorizationEndpoint()
                        + "\",\"token_endpoint\":\"" + url("/token") + "\",\"userinfo_endpoint\":\""
                        + url("/userinfo") + "\",\"jwks_uri\":\"" + url("/jwks")
                        + "\",\"response_types_supported\":[\"code\"],\"subject_types_supported\":[\"public\"],"
                        + "\"id_token_signing_alg_values_supported\":[\"RS256\"]}");
    }

    private void token(HttpExchange exchange) throws IOException {
        if (unavailable(exchange) || unanswered(exchange)) {
            return;
        }
        String form = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        boolean codeGrant = URLDecoder.decode(form, StandardCharsets.UTF_8).contains("code=the-code");
        String scope = nonce == null ? "email bulk-api" : "openid email bulk-api";
        String idToken = nonce == null ? "" : ",\"id_token\":\"" + idToken() + "\"";
        answer(
                exchange,
                codeGrant ? 200 : 400,
                codeGrant
                        ? "{\"access_token\":\"" + accessToken
                                + "\",\"token_type\":\"Bearer\",\"expires_in\":300,\"scope\":\"" + scope + "\""
                                + idToken
                                + "}"
                        : "{\"error\":\"invalid_grant\"}");
    }

    private String idToken() {
        JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder()
                .issuer("https://idp.example")
                .subject(subject.toString())
                .audience("bulk-console")
                .issueTime(new Date())
                .expirationTime(Date.from(Instant.now().plusSeconds(300)))
                .claim("nonce", nonce)
                .claim("email", email);
        if (emailVerified != null) {
            claims.claim("email_verified", emailVerified);
        }
        RSAKey signing = "/jwks".equals(down) ? unpublishedKey : key;
        SignedJWT token = new SignedJWT(
                new JWSHeader.Builder(JWSAlgorithm.RS256)
                        .keyID(signing.getKeyID())
                        .build(),
                claims.build());
        try {
            token.sign(new RSASSASigner(signing));
        } catch (JOSEException ex) {
            throw new IllegalStateException(ex);
        }
        String serialized = token.serialize();
        if (!forged) {
            return serialized;
        }
        int signature = serialized.lastIndexOf('.') + 1;
        char first = serialized.charAt(signature) == 'A' ? 'B' : 'A';
        return serialized.substring(0, signature) + first + serialized.substring(signature + 1);
    }

    private void keys(HttpExchange exchange) throws IOException {
        if (unavailable(exchange) || unanswered(exchange)) {
            return;
        }
        answer(exchange, 200, new JWKSet(key.toPublicJWK()).toString());
    }

    private void userInfo(HttpExchange exchange) throws IOException {
        if (unanswered(exchange)) {
            return;
        }
        answer(exchange, 200, "{\"sub\":\"" + subject + "\"}");
    }

    /** Answers 503 when the exchange's endpoint is down; whether it did. */
    private boolean unavailable(HttpExchange exchange) throws IOException {
        if (!exchange.getHttpContext().getPath().equals(down)) {
            return false;
        }
        exchange.getRequestBody().readAllBytes();
        answer(exchange, 503, "{\"error\":\"temporarily_unavailable\"}");
        return true;
    }

    /**
     * Keeps the exchange unanswered when its endpoint is {@link #silent}, without holding the server's
     * only thread; whether it did.
     */
    private boolean unanswered(HttpExchange exchange) throws IOException {
        if (!exchange.getHttpContext().getPath().equals(silent)) {
            return false;
        }
        exchange.getRequestBody().readAllBytes();
        synchronized (unanswered) {
            unanswered.add(exchange);
        }
        return true;
    }

    private static void answer(HttpExchange exchange, int status, String json) throws IOException {
        try (exchange) {
            byte[] body = json.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(status, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    void stop() {
        silent(null);
        server.stop(0);
        stopIssuer();
    }
}
