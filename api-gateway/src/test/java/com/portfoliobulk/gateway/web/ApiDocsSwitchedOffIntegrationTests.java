package com.portfoliobulk.gateway.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.gateway.support.GatewayCalls.Answer;
import com.portfoliobulk.gateway.support.GatewayIntegrationTest;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;

/**
 * With {@code BULK_API_DOCS_ENABLED=false} the gateway serves neither its API description nor Swagger
 * UI: every path of theirs (Swagger UI's files under {@code /webjars/} too) answers the API's one 404
 * problem, with or without a token, while the API and the console's own script work as before.
 */
@TestPropertySource(properties = "BULK_API_DOCS_ENABLED=false")
class ApiDocsSwitchedOffIntegrationTests extends GatewayIntegrationTest {

    @Test
    void theDescriptionAndSwaggerUiAnswerTheNotFoundProblem() {
        UUID portfolio = directory.portfolio().id();

        for (String path : new String[] {
            "/v3/api-docs",
            "/v3/api-docs.yaml",
            "/v3/api-docs/swagger-config",
            "/swagger-ui.html",
            "/swagger-ui/index.html",
            "/webjars/swagger-ui/index.html",
            "/webjars/swagger-ui/swagger-ui-bundle.js"
        }) {
            for (String token : new String[] {null, admin(portfolio)}) {
                Answer answer = api.get(token, path);

                assertProblem(answer, 404);
                assertThat(answer.body().path("type").asString())
                        .as(path)
                        .isEqualTo("urn:portfolio-bulk:problem:not-found");
                assertThat(answer.body().path("instance").asString()).isEqualTo(path);
            }
        }
        assertThat(api.get(admin(portfolio), "/api/v1/portfolios/" + portfolio + "/accounts")
                        .status())
                .isEqualTo(200);
        Answer consoleScript = api.get(null, "/webjars/htmx.org/dist/htmx.min.js");
        assertThat(consoleScript.status()).isEqualTo(200);
        assertThat(consoleScript.header("Content-Type")).startsWith("text/javascript");
    }
}
