package com.portfoliobulk.gateway.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.gateway.support.GatewayCalls.Answer;
import com.portfoliobulk.gateway.support.GatewayIntegrationTest;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * By default ({@code BULK_API_DOCS_ENABLED} unset) the gateway serves its API description and Swagger
 * UI to anyone; {@link ApiDocsSwitchedOffIntegrationTests} switches both off.
 */
class ApiDocsIntegrationTests extends GatewayIntegrationTest {

    @Test
    void theDescriptionInJsonAndYamlAndSwaggerUiAreServedWithoutAToken() {
        Answer description = api.get(null, "/v3/api-docs");
        Answer yaml = api.get(null, "/v3/api-docs.yaml", Map.of("Accept", "application/vnd.oai.openapi"));
        Answer ui = api.get(null, "/swagger-ui/index.html", Map.of("Accept", "text/html"));
        Answer uiEntry = api.get(null, "/swagger-ui.html", Map.of("Accept", "text/html"));
        Answer uiScript = api.get(null, "/swagger-ui/swagger-ui-bundle.js");
        Answer uiSetup = api.get(null, "/swagger-ui/swagger-initializer.js");
        Answer uiWebJar = api.get(null, "/webjars/swagger-ui/swagger-ui-bundle.js");

        assertThat(description.status()).isEqualTo(200);
        assertThat(description.body().path("openapi").asString()).startsWith("3.1");
        assertThat(description.body().path("paths").has("/api/v1/portfolios/{portfolioId}/bulk-jobs"))
                .isTrue();
        assertThat(yaml.status()).isEqualTo(200);
        assertThat(yaml.text()).startsWith("openapi: 3.1").contains("/api/v1/portfolios/{portfolioId}/bulk-jobs:");
        assertThat(ui.status()).isEqualTo(200);
        assertThat(ui.text()).contains("swagger-ui");
        assertThat(uiEntry.status()).isEqualTo(302);
        assertThat(uiEntry.header("Location")).endsWith("/swagger-ui/index.html");
        assertThat(uiScript.status()).isEqualTo(200);
        assertThat(uiScript.header("Content-Type")).startsWith("text/javascript");
        assertThat(uiSetup.status()).isEqualTo(200);
        assertThat(uiSetup.text()).contains("/v3/api-docs");
        assertThat(uiWebJar.status())
                .as("Swagger UI's files under /webjars/ too")
                .isEqualTo(200);
    }
}
