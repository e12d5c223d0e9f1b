package com.portfoliobulk.gateway.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.gateway.support.GatewayCalls.Answer;
import com.portfoliobulk.gateway.support.GatewayIntegrationTest;
import com.portfoliobulk.testsupport.DirectorySeed;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The security headers of API answers. */
class SecurityHeadersIntegrationTests extends GatewayIntegrationTest {

    private static final String API_POLICY = "default-src 'none'; frame-ancestors 'none'";

    @Test
    void apiAnswersForbidSniffingFramingCachingReferrersAndAnyActiveContent() {
        UUID portfolio = directory.portfolio().id();

        for (Answer answer : new Answer[] {
            api.get(admin(portfolio), "/api/v1/portfolios/" + portfolio + "/accounts"),
            api.get(null, "/api/v1/portfolios/" + portfolio + "/accounts"),
            api.get(outsider(), "/api/v1/portfolios/" + portfolio + "/accounts")
        }) {
            assertThat(answer.header("X-Content-Type-Options")).isEqualTo("nosniff");
            assertThat(answer.header("X-Frame-Options")).isEqualTo("DENY");
            assertThat(answer.header("Cache-Control")).contains("no-store");
            assertThat(answer.header("Referrer-Policy")).isEqualTo("no-referrer");
            assertThat(answer.header("Content-Security-Policy")).isEqualTo(API_POLICY);
            assertThat(answer.header("Strict-Transport-Security"))
                    .as("plain HTTP")
                    .isNull();
        }
    }

    /**
     * The body limit refuses a declared length over it before the security filters run, also under the
     * SCIM base path (a SCIM error): its answers carry the same headers.
     */
    @Test
    void theRefusalOfABodyOverTheLimitCarriesTheSameHeaders() {
        UUID portfolio = directory.portfolio().id();
        String sixMegabytes = " ".repeat(6 * 1024 * 1024);

        for (Answer answer : new Answer[] {
            api.post(admin(portfolio), jobsPath(portfolio), UUID.randomUUID().toString(), sixMegabytes),
            api.post(null, "/scim/v2/portfolios/" + portfolio + "/Users", null, sixMegabytes)
        }) {
            assertThat(answer.status()).as(answer.text()).isEqualTo(413);
            assertThat(answer.header("X-Content-Type-Options")).isEqualTo("nosniff");
            assertThat(answer.header("X-Frame-Options")).isEqualTo("DENY");
            assertThat(answer.header("Cache-Control")).contains("no-store");
            assertThat(answer.header("Referrer-Policy")).isEqualTo("no-referrer");
            assertThat(answer.header("Content-Security-Policy")).isEqualTo(API_POLICY);
        }
    }

    @Test
    void behindATlsProxyAnswersAskForHttpsOnly() {
        UUID portfolio = directory.portfolio().id();

        Answer answer = api.get(
                admin(portfolio),
                "/api/v1/portfolios/" + portfolio + "/accounts",
                Map.of("X-Forwarded-Proto", "https"));

        assertThat(answer.header("Strict-Transport-Security")).contains("max-age=");
    }

    @Test
    void theJobStatusIsStoredByNoCacheYetAnswers304ToItsEtag() {
        DirectorySeed.Portfolio portfolio = directory.portfolio();
        UUID account = portfolio.account("Alpha");
        UUID ann = portfolio.user("ann");
        portfolio.member(account, ann, AccountRole.ANALYST);
        UUID job = accepted(portfolio.id(), "{\"type\":\"OFFBOARD_USERS\",\"userIds\":[\"" + ann + "\"]}");

        Answer status = api.get(admin(portfolio.id()), jobPath(portfolio.id(), job));
        Answer unchanged = api.get(
                admin(portfolio.id()), jobPath(portfolio.id(), job), Map.of("If-None-Match", status.header("ETag")));

        assertThat(status.header("Cache-Control")).isEqualTo("no-store");
        assertThat(status.header("ETag")).isNotBlank();
        assertThat(unchanged.status()).isEqualTo(304);
        assertThat(unchanged.header("Cache-Control")).isEqualTo("no-store");
    }

    @Test
    void swaggerUiMayRunItsScripts() {
        Answer ui = api.get(null, "/swagger-ui/index.html", Map.of("Accept", "text/html"));

        assertThat(ui.status()).isEqualTo(200);
        assertThat(ui.header("Content-Security-Policy")).isNull();
        assertThat(ui.header("X-Content-Type-Options")).isEqualTo("nosniff");
    }
}
