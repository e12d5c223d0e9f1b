package com.portfoliobulk.gateway.scim;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.gateway.support.GatewayIntegrationTest;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The API description has the SCIM token endpoints, a creation's optional Idempotency-Key and its 409;
 * the SCIM protocol itself is described by its /Schemas.
 */
class ScimTokenApiDescriptionIntegrationTests extends GatewayIntegrationTest {

    @Test
    void describesCreatingListingReadingAndRevokingScimTokens() {
        JsonNode description = api.get(null, "/v3/api-docs").body();
        JsonNode paths = description.path("paths");

        JsonNode tokens = paths.path("/api/v1/portfolios/{portfolioId}/scim-tokens");
        assertThat(tokens.path("post").path("summary").asString()).isEqualTo("Create a SCIM token");
        assertThat(tokens.path("post").path("responses").propertyNames())
                .contains("201", "401", "403", "404", "409", "422");
        assertThat(tokens.path("post").path("parameters").values()).anySatisfy(parameter -> {
            assertThat(parameter.path("name").asString()).isEqualTo("Idempotency-Key");
            assertThat(parameter.path("in").asString()).isEqualTo("header");
            assertThat(parameter.path("required").asBoolean()).isFalse();
        });
        assertThat(tokens.path("get").path("responses").propertyNames()).contains("200", "403");
        assertThat(paths.path("/api/v1/portfolios/{portfolioId}/scim-tokens/{tokenId}")
                        .path("delete")
                        .path("responses")
                        .propertyNames())
                .contains("204", "404");
        assertThat(paths.path("/api/v1/portfolios/{portfolioId}/scim-tokens/{tokenId}")
                        .path("get")
                        .path("responses")
                        .propertyNames())
                .contains("200", "403", "404");
        assertThat(tokens.path("post")
                        .path("responses")
                        .path("201")
                        .path("headers")
                        .has("Location"))
                .isTrue();
        assertThat(description
                        .path("components")
                        .path("schemas")
                        .path("NewScimToken")
                        .path("properties")
                        .has("token"))
                .isTrue();
        assertThat(paths.propertyNames()).noneMatch(path -> path.startsWith("/scim/"));
    }
}
