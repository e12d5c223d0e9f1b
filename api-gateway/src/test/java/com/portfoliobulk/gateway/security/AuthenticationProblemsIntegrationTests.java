package com.portfoliobulk.gateway.security;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.gateway.GatewayApplication;
import com.portfoliobulk.testsupport.TestTokens;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

@SpringBootTest(
        webEnvironment = WebEnvironment.RANDOM_PORT,
        properties = "spring.config.name=" + GatewayApplication.CONFIG_NAME)
class AuthenticationProblemsIntegrationTests {

    private final HttpClient http = HttpClient.newHttpClient();

    private final UUID portfolioId = UUID.randomUUID();

    @LocalServerPort
    int port;

    @Test
    void missingTokenIsA401Problem() throws Exception {
        HttpResponse<String> response = get(null);

        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(response.headers().firstValue("WWW-Authenticate"))
                .hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
        assertThat(response.body()).contains("\"status\":401", "\"title\":\"Authentication required\"");
        assertThat(response.body()).contains("\"instance\":\"" + path() + "\"");
    }

    @Test
    void aBadTokenIsA401ProblemNamingTheRequestPathAsInstanceLikeEveryOtherProblem() throws Exception {
        HttpResponse<String> response = get("not-a-jwt");

        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(response.body()).contains("\"instance\":\"" + path() + "\"");
    }

    @Test
    void badSignatureAndExpiredTokensAre401() throws Exception {
        UUID caller = UUID.randomUUID();
        Map<String, List<String>> owner = Map.of(portfolioId.toString(), List.of("OWNER"));
        String forged = TestTokens.sign(
                "another-secret-of-at-least-thirty-two-bytes!",
                caller,
                "a@x.example",
                owner,
                Instant.now().plusSeconds(600));
        String expired = TestTokens.sign(
                TestTokens.DEVELOPMENT_SECRET,
                caller,
                "a@x.example",
                owner,
                Instant.now().minusSeconds(3600));

        assertThat(get(forged).statusCode()).isEqualTo(401);
        assertThat(get(expired).statusCode()).isEqualTo(401);
        assertThat(get("not-a-jwt").statusCode()).isEqualTo(401);
    }

    @Test
    void tokenWithoutPermissionOnThePortfolioIsA403Problem() throws Exception {
        String otherPortfolio = TestTokens.token(UUID.randomUUID(), "a@x.example", UUID.randomUUID(), "OWNER");

        HttpResponse<String> response = get(otherPortfolio);

        assertThat(response.statusCode()).isEqualTo(403);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(response.body()).contains("\"status\":403", "\"instance\":\"" + path() + "\"");
    }

    private HttpResponse<String> get(String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path()));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private String path() {
        return "/api/v1/portfolios/" + portfolioId + "/accounts";
    }
}
