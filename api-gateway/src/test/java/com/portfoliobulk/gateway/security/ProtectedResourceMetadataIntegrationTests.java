package com.portfoliobulk.gateway.security;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.gateway.GatewayApplication;
import com.portfoliobulk.testsupport.TestTokens;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The OAuth 2.0 Protected Resource Metadata (RFC 9728) claims only what the gateway does: bearer
 * tokens in the Authorization header, no certificate-bound tokens, no OAuth scopes.
 */
@SpringBootTest(
        webEnvironment = WebEnvironment.RANDOM_PORT,
        properties = "spring.config.name=" + GatewayApplication.CONFIG_NAME)
class ProtectedResourceMetadataIntegrationTests {

    private final HttpClient http = HttpClient.newHttpClient();

    @LocalServerPort
    int port;

    @Test
    void theMetadataClaimsNoCertificateBoundTokensNorScopesAndTheHeaderAsTheOnlyBearerMethod() throws Exception {
        HttpResponse<String> response = send("/.well-known/oauth-protected-resource");

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode metadata = JsonMapper.builder().build().readTree(response.body());
        assertThat(metadata.path("resource").asString()).isEqualTo("http://localhost:" + port);
        assertThat(metadata.path("tls_client_certificate_bound_access_tokens").asBoolean(false))
                .isFalse();
        assertThat(metadata.has("scopes_supported")).isFalse();
        assertThat(metadata.path("bearer_methods_supported").values())
                .extracting(JsonNode::asString)
                .containsExactly("header");
    }

    @Test
    void aValidTokenOnlyInTheQueryIsNotAccepted() throws Exception {
        UUID portfolio = UUID.randomUUID();
        String token = TestTokens.token(UUID.randomUUID(), "a@x.example", portfolio, "OWNER");

        HttpResponse<String> response = send("/api/v1/portfolios/" + portfolio + "/accounts?access_token=" + token);

        assertThat(response.statusCode()).isEqualTo(401);
    }

    private HttpResponse<String> send(String path) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
