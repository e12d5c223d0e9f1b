package com.portfoliobulk.gateway.security;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.gateway.support.GatewayIntegrationTest;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** The API description names the security answers: rate limits, invitation outcomes, no error page. */
class SecurityApiDescriptionIntegrationTests extends GatewayIntegrationTest {

    @Test
    void describesTheRateLimitsOfSubmissionsAndPreviewsAndEveryOutcomeOfAcceptingAnInvitation() {
        JsonNode paths = api.get(null, "/v3/api-docs").body().path("paths");

        JsonNode submit =
                paths.path("/api/v1/portfolios/{portfolioId}/bulk-jobs").path("post");
        assertThat(submit.path("responses").path("429").path("headers").has("Retry-After"))
                .isTrue();
        JsonNode preview =
                paths.path("/api/v1/portfolios/{portfolioId}/bulk-jobs/preview").path("post");
        assertThat(preview.path("responses").path("429").path("headers").has("Retry-After"))
                .isTrue();
        JsonNode accept = paths.path("/api/v1/invitations/{token}/accept").path("post");
        assertThat(accept.path("summary").asString()).isNotBlank();
        assertThat(accept.path("responses").propertyNames()).contains("200", "401", "403", "410", "503");
        assertThat(paths.has("/error")).as("the error page is no operation").isFalse();
    }
}
