package com.portfoliobulk.gateway.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.gateway.GatewayApplication;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.json.JsonMapper;

/**
 * The running gateway believes X-Forwarded-* headers only from the proxies {@code BULK_TRUSTED_PROXIES}
 * names (here 127.0.0.2): their scheme and host make the answer's absolute URLs and HSTS; the same
 * headers from any other address (127.0.0.1) change nothing. The web console's session cookie is
 * {@code Secure} on HTTPS requests without {@code BULK_CONSOLE_SECURE_COOKIE} set.
 */
@SpringBootTest(
        webEnvironment = WebEnvironment.RANDOM_PORT,
        properties = {"spring.config.name=" + GatewayApplication.CONFIG_NAME, "BULK_TRUSTED_PROXIES=127.0.0.2/32"})
class TrustedProxiesIntegrationTests {

    @LocalServerPort
    int port;

    @Test
    void aTrustedProxysForwardedSchemeAndHostCount() throws Exception {
        HttpResponse<String> answer = metadataFrom("127.0.0.2");

        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(resource(answer)).isEqualTo("https://portfolio-bulk.example.com");
        assertThat(answer.headers().firstValue("Strict-Transport-Security"))
                .hasValueSatisfying(hsts -> assertThat(hsts).contains("max-age="));
    }

    @Test
    void theSameHeadersFromAnUntrustedAddressAreIgnored() throws Exception {
        HttpResponse<String> answer = metadataFrom("127.0.0.1");

        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(resource(answer)).isEqualTo("http://127.0.0.1:" + port);
        assertThat(answer.headers().firstValue("Strict-Transport-Security")).isEmpty();
    }

    /**
     * An invitation page opened without a sign-in starts a session (it is remembered for after the
     * sign-in); the sign-in page without a form of its own (no demo sign-in here) starts none.
     */
    @Test
    void theConsoleSessionCookieIsSecureOnHttpsRequests() throws Exception {
        assertThat(sessionCookie(get("127.0.0.2", invitationPage()))).contains("BULK_CONSOLE=", "; Secure");
        assertThat(sessionCookie(get("127.0.0.1", invitationPage())))
                .contains("BULK_CONSOLE=")
                .doesNotContain("Secure");
    }

    private static String invitationPage() {
        return "/invitations/secure-cookie-" + UUID.randomUUID();
    }

    private static String sessionCookie(HttpResponse<String> answer) {
        assertThat(answer.statusCode()).as("sent to sign in").isEqualTo(302);
        return answer.headers().allValues("Set-Cookie").stream()
                .filter(cookie -> cookie.startsWith("BULK_CONSOLE="))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no session cookie in " + answer.headers()));
    }

    /** The protected resource metadata, whose {@code resource} is the gateway's URL as the request shows it. */
    private HttpResponse<String> metadataFrom(String localAddress) throws Exception {
        return get(localAddress, "/.well-known/oauth-protected-resource");
    }

    /** A GET from {@code localAddress} with a proxy's forwarded headers saying HTTPS. */
    private HttpResponse<String> get(String localAddress, String path) throws Exception {
        try (HttpClient http = HttpClient.newBuilder()
                .localAddress(InetAddress.getByName(localAddress))
                .build()) {
            return http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                            .header("X-Forwarded-For", "203.0.113.7")
                            .header("X-Forwarded-Proto", "https")
                            .header("X-Forwarded-Host", "portfolio-bulk.example.com")
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
        }
    }

    private static String resource(HttpResponse<String> answer) {
        return JsonMapper.builder()
                .build()
                .readTree(answer.body())
                .path("resource")
                .asString();
    }
}
