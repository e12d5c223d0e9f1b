package com.portfoliobulk.gateway.scim;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.gateway.support.StubbedServicesIntegrationTest;
import com.portfoliobulk.testsupport.DirectorySeed.Portfolio;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.http.client.JdkClientHttpRequestFactory;
import org.springframework.web.client.RestClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The running gateway with a portfolio, its Portfolio Owner's SCIM token and raw SCIM calls. The
 * worker's user provisioning is stood in for by inserting the user into the real directory.
 */
abstract class ScimIntegrationTest extends StubbedServicesIntegrationTest {

    static final JsonMapper JSON = JsonMapper.builder().build();

    static final String SCIM_JSON = "application/scim+json";

    static final String PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

    Portfolio portfolio;

    String scimToken;

    RestClient http;

    @BeforeEach
    void scimSetUp() {
        portfolio = directory.portfolio();
        http = RestClient.builder()
                .baseUrl("http://localhost:" + port)
                .requestFactory(new JdkClientHttpRequestFactory(HttpClient.newHttpClient()))
                .build();
        worker.provisionUsersWith(email -> jdbc.sql("""
                        INSERT INTO directory.users (id, email, idp_managed) VALUES (:id, lower(:email), false)
                        ON CONFLICT (email) DO UPDATE SET email = excluded.email
                        RETURNING id
                        """)
                .param("id", UUID.randomUUID())
                .param("email", email)
                .query(UUID.class)
                .single());
        scimToken = createToken(portfolio.id(), "Entra ID");
    }

    String createToken(UUID portfolioId, String name) {
        var answer = api.post(admin(portfolioId), tokensPath(portfolioId), null, "{\"name\":\"" + name + "\"}");
        assertThat(answer.status()).as(answer.text()).isEqualTo(201);
        return answer.body().path("token").asString();
    }

    static String tokensPath(UUID portfolioId) {
        return "/api/v1/portfolios/" + portfolioId + "/scim-tokens";
    }

    String base() {
        return "/scim/v2/portfolios/" + portfolio.id();
    }

    String users() {
        return base() + "/Users";
    }

    Scim scim(HttpMethod method, String path, String body) {
        return scim(scimToken, method, path, body);
    }

    Scim scim(String token, HttpMethod method, String path, String body) {
        return http.method(method)
                // As written: the tests send their query strings percent-encoded already.
                .uri(URI.create("http://localhost:" + port + path))
                .headers(headers -> {
                    if (token != null) {
                        headers.setBearerAuth(token);
                    }
                    headers.set(HttpHeaders.ACCEPT, SCIM_JSON);
                    if (body != null) {
                        headers.setContentType(MediaType.parseMediaType(SCIM_JSON));
                    }
                })
                .body(body == null ? "" : body)
                .exchange((request, response) -> answer(response));
    }

    /** The answer as a test reads it: status, headers, the body as JSON (if any) and as text. */
    static Scim answer(RestClient.RequestHeadersSpec.ConvertibleClientHttpResponse response) throws IOException {
        String text = response.bodyTo(String.class);
        JsonNode json = text == null || text.isBlank() ? null : JSON.readTree(text);
        return new Scim(response.getStatusCode().value(), response.getHeaders(), json, text);
    }

    /** A SCIM answer in the SCIM error format with this status. */
    static void assertScimError(Scim answer, int status, String scimType) {
        assertThat(answer.status()).as(answer.text()).isEqualTo(status);
        assertThat(answer.headers().getContentType().toString()).startsWith(SCIM_JSON);
        assertThat(answer.json().path("schemas").get(0).asString())
                .isEqualTo("urn:ietf:params:scim:api:messages:2.0:Error");
        assertThat(answer.json().path("status").isString()).isTrue();
        assertThat(answer.json().path("status").asString()).isEqualTo(String.valueOf(status));
        assertThat(answer.json().path("detail").asString()).isNotBlank();
        if (scimType != null) {
            assertThat(answer.json().path("scimType").asString()).isEqualTo(scimType);
        } else if (status != 400 && status != 409 && status != 429) {
            // RFC 7644 ties scimType to 400; the product also sends it with 409 uniqueness and 429 tooMany.
            assertThat(answer.json().has("scimType")).as(answer.text()).isFalse();
        }
        assertThat(answer.text()).doesNotContain("Exception", "SELECT", "INSERT");
    }

    long scimJobs(UUID portfolioId) {
        return jdbc.sql("SELECT count(*) FROM jobs.bulk_jobs WHERE portfolio_id = :p AND origin = 'SCIM'")
                .param("p", portfolioId)
                .query(Long.class)
                .single();
    }

    record Scim(int status, HttpHeaders headers, JsonNode json, String text) {}
}
