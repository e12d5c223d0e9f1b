package com.portfoliobulk.gateway.portfolio;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.gateway.support.ApiDescriptionConformance;
import com.portfoliobulk.gateway.support.GatewayCalls.Answer;
import com.portfoliobulk.gateway.support.GatewayIntegrationTest;
import com.portfoliobulk.testsupport.DirectorySeed;
import com.portfoliobulk.testsupport.TestTokens;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.test.context.TestPropertySource;
import org.springframework.web.client.RestClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The gateway with permissions held in the database (the default setup): tokens only identify their
 * callers, and carry no {@code portfolios} claim for the portfolio under test. Each test gets a fresh
 * portfolio whose Owner is a stored portfolio user.
 */
@TestPropertySource(properties = "bulk.gateway.permissions.source=database")
abstract class PortfolioAdministrationTest extends GatewayIntegrationTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    protected DirectorySeed.Portfolio portfolio;

    protected UUID ownerId;

    protected String owner;

    private RestClient http;

    @BeforeEach
    void portfolioWithOwner() {
        http = RestClient.builder()
                .baseUrl("http://localhost:" + port)
                .requestInterceptor(ApiDescriptionConformance.INSTANCE)
                .build();
        portfolio = directory.portfolio();
        ownerId = portfolio.user("owner");
        storePortfolioUser(ownerId, portfolio.email("owner"), "OWNER");
        owner = tokenOf(ownerId, portfolio.email("owner"));
    }

    /** A token that names the caller and grants nothing in its claims. */
    protected static String tokenOf(UUID userId, String email) {
        return TestTokens.token(userId, email, UUID.randomUUID());
    }

    /**
     * A new user with active access to a new account of the portfolio: a user the portfolio knows, whom
     * its administrators may add as a portfolio user by address.
     */
    protected UUID accountUser(String name) {
        UUID userId = portfolio.user(name);
        portfolio.member(portfolio.account("Account of " + name), userId, AccountRole.ANALYST);
        return userId;
    }

    /** A directory user made a portfolio user with {@code role} straight in the database. */
    protected String storedPortfolioUser(String name, String role) {
        UUID id = portfolio.user(name);
        storePortfolioUser(id, portfolio.email(name), role);
        return tokenOf(id, portfolio.email(name));
    }

    protected void storePortfolioUser(UUID userId, String email, String role) {
        jdbc.sql("""
                        INSERT INTO jobs.portfolio_users (portfolio_id, user_id, email, role)
                        VALUES (:portfolioId, :userId, :email, :role)
                        """)
                .param("portfolioId", portfolio.id())
                .param("userId", userId)
                .param("email", email)
                .param("role", role)
                .update();
    }

    /** The stored portfolio role of the user in the portfolio under test. */
    protected String roleOf(UUID userId) {
        return jdbc.sql("SELECT role FROM jobs.portfolio_users WHERE portfolio_id = :p AND user_id = :u")
                .param("p", portfolio.id())
                .param("u", userId)
                .query(String.class)
                .single();
    }

    protected String path(String rest) {
        return "/api/v1/portfolios/" + portfolio.id() + rest;
    }

    protected Answer call(HttpMethod method, String token, String path, String jsonBody) {
        return call(method, token, path, jsonBody, Map.of());
    }

    protected Answer call(HttpMethod method, String token, String path, String jsonBody, Map<String, String> headers) {
        RestClient.RequestBodySpec request = http.method(method).uri(path).headers(h -> {
            h.setAccept(java.util.List.of(MediaType.APPLICATION_JSON, MediaType.APPLICATION_PROBLEM_JSON));
            if (token != null) {
                h.setBearerAuth(token);
            }
            headers.forEach(h::set);
        });
        if (jsonBody != null) {
            request.contentType(MediaType.APPLICATION_JSON).body(jsonBody);
        }
        return request.exchange((req, response) -> {
            String body = response.bodyTo(String.class);
            HttpHeaders responseHeaders = response.getHeaders();
            JsonNode json = null;
            MediaType type = responseHeaders.getContentType();
            if (body != null
                    && !body.isEmpty()
                    && type != null
                    && type.getSubtype().contains("json")) {
                json = JSON.readTree(body);
            }
            return new Answer(response.getStatusCode().value(), responseHeaders, json, body);
        });
    }
}
