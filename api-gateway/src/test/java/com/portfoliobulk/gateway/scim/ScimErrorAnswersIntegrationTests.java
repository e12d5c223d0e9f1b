package com.portfoliobulk.gateway.scim;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;

/**
 * Every error under the SCIM base path is a SCIM error (RFC 7644 section 3.12), also those Spring
 * MVC decides before a SCIM endpoint is chosen (unknown path, wrong method, media types) and a
 * compressed body; the API's own paths keep their problem answers.
 */
class ScimErrorAnswersIntegrationTests extends ScimIntegrationTest {

    @Test
    void anUnknownScimPathIsAScimNotFound() {
        assertScimError(scim(HttpMethod.GET, base() + "/Groups", null), 404, null);
        assertScimError(scim(HttpMethod.GET, users() + "/" + UUID.randomUUID() + "/extra", null), 404, null);
    }

    @Test
    void aWrongMethodIsAScimMethodNotAllowedWithTheAllowedMethods() {
        Scim answer = scim(HttpMethod.DELETE, users(), null);

        assertScimError(answer, 405, null);
        assertThat(answer.headers().getAllow()).contains(HttpMethod.GET, HttpMethod.POST);
        assertThat(answer.json().path("detail").asString()).contains("DELETE");
    }

    @Test
    void traceIsAScimMethodNotAllowed() {
        Scim answer = scim(HttpMethod.TRACE, users(), null);

        assertScimError(answer, 405, null);
        assertThat(answer.headers().getAllow()).contains(HttpMethod.GET, HttpMethod.POST);
    }

    @Test
    void aBodyOfAnotherMediaTypeIsAScimUnsupportedMediaType() {
        Scim answer = send(HttpMethod.POST, users(), MediaType.APPLICATION_XML_VALUE, "<User/>", null);

        assertScimError(answer, 415, null);
        assertThat(answer.json().path("detail").asString()).contains("application/scim+json");
    }

    @Test
    void aCompressedBodyIsAScimUnsupportedMediaType() {
        Scim answer = send(HttpMethod.POST, users(), SCIM_JSON, "{}", "gzip");

        assertScimError(answer, 415, null);
        assertThat(answer.headers().getFirst(HttpHeaders.ACCEPT_ENCODING)).isEqualTo("identity");
        assertThat(answer.json().path("detail").asString()).contains("Content-Encoding", "uncompressed");
    }

    @Test
    void anAnswerTheClientCannotAcceptIsAScimNotAcceptable() {
        Scim answer = http.get()
                .uri(URI.create("http://localhost:" + port + users()))
                .headers(headers -> {
                    headers.setBearerAuth(scimToken);
                    headers.set(HttpHeaders.ACCEPT, MediaType.APPLICATION_XML_VALUE);
                })
                .exchange((request, response) -> answer(response));

        assertScimError(answer, 406, null);
    }

    @Test
    void aRequestTheSecurityFirewallRefusesIsAScimBadRequest() {
        // A semicolon in the path: refused by Spring Security's firewall, answered by the error page.
        assertScimError(scim(HttpMethod.GET, users() + ";x=1", null), 400, null);
    }

    @Test
    void theApisOwnPathsKeepTheirProblemAnswers() {
        var answer = api.delete(admin(portfolio.id()), jobsPath(portfolio.id()));

        assertThat(answer.status()).isEqualTo(405);
        assertThat(answer.contentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
        assertThat(api.get(admin(portfolio.id()), "/api/v1/portfolios/" + portfolio.id() + "/accounts;x=1")
                        .contentType())
                .isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
    }

    private Scim send(HttpMethod method, String path, String contentType, String body, String contentEncoding) {
        return http.method(method)
                .uri(URI.create("http://localhost:" + port + path))
                .headers(headers -> {
                    headers.setBearerAuth(scimToken);
                    headers.set(HttpHeaders.ACCEPT, SCIM_JSON);
                    headers.set(HttpHeaders.CONTENT_TYPE, contentType);
                    if (contentEncoding != null) {
                        headers.set(HttpHeaders.CONTENT_ENCODING, contentEncoding);
                    }
                })
                .body(body)
                .exchange((request, response) -> answer(response));
    }
}
