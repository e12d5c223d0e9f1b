package com.portfoliobulk.gateway.activity;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.contracts.ActivityLogPageRequest;
import com.portfoliobulk.contracts.paging.Cursor;
import com.portfoliobulk.gateway.GatewayApplication;
import com.portfoliobulk.gateway.support.ApiDescriptionConformance;
import com.portfoliobulk.testsupport.TestTokens;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.web.client.RestClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The public activity-log route up to the audit-consumer, which is not running here (nothing listens
 * on port 1): who may read, which accounts exist, and the answer while the audit-consumer is away.
 * Reading through to a running audit-consumer is covered end to end in local-stack.
 */
@SpringBootTest(
        webEnvironment = WebEnvironment.RANDOM_PORT,
        properties = {
            "spring.config.name=" + GatewayApplication.CONFIG_NAME,
            "bulk.gateway.audit-base-url=http://127.0.0.1:1"
        })
class ActivityLogRouteIntegrationTests {

    @LocalServerPort
    int port;

    @Autowired
    JdbcClient jdbc;

    private final UUID portfolio = UUID.randomUUID();

    private final UUID account = UUID.randomUUID();

    private final UUID otherPortfolio = UUID.randomUUID();

    private final UUID otherAccount = UUID.randomUUID();

    private final UUID reader = UUID.randomUUID();

    @BeforeEach
    void linkAccounts() {
        seed(portfolio, account);
        seed(otherPortfolio, otherAccount);
    }

    @Test
    void needsABearerToken() {
        assertThat(get(portfolio, account, null).getStatusCode().value()).isEqualTo(401);
    }

    @Test
    void callerWithoutAccessToThePortfolioIsForbidden() {
        String ownerOfAnotherPortfolio = TestTokens.token(reader, "reader@agency.example", otherPortfolio, "OWNER");

        assertThat(get(portfolio, account, ownerOfAnotherPortfolio)
                        .getStatusCode()
                        .value())
                .isEqualTo(403);
    }

    @Test
    void accountNotLinkedToThePortfolioIsNotFound() {
        String viewer = TestTokens.token(reader, "reader@agency.example", portfolio, "USER_MANAGEMENT_VIEW");

        for (UUID notLinked : new UUID[] {otherAccount, UUID.randomUUID()}) {
            ResponseEntity<String> answer = get(portfolio, notLinked, viewer);

            assertThat(answer.getStatusCode().value()).isEqualTo(404);
            assertThat(answer.getHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
            assertThat(answer.getBody()).contains("\"status\":404", "is not, and was not, linked to this portfolio");
        }
    }

    @Test
    void whileTheAuditConsumerCannotBeReachedTheAnswerIs503WithRetryAfter() {
        String viewer = TestTokens.token(reader, "reader@agency.example", portfolio, "USER_MANAGEMENT_VIEW");

        ResponseEntity<String> answer = get(portfolio, account, viewer);

        assertThat(answer.getStatusCode().value()).isEqualTo(503);
        assertThat(answer.getHeaders().getFirst(HttpHeaders.RETRY_AFTER)).isEqualTo("5");
        assertThat(answer.getHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
        assertThat(answer.getBody())
                .contains("\"status\":503", "cannot be read right now")
                .doesNotContain("127.0.0.1", "Exception");
    }

    /**
     * A {@code since} that is no time is the client's to fix: a 400 naming it, whether the audit-consumer
     * can be reached or not and whatever the account. It was passed on unchecked, and answered 503 ("try
     * again after 5 s", for ever) while the audit-consumer was away, or 404 for an account not linked.
     */
    @Test
    void aSinceThatIsNoTimeIsA400NamingItWhileTheAuditConsumerIsAway() {
        String viewer = TestTokens.token(reader, "reader@agency.example", portfolio, "USER_MANAGEMENT_VIEW");

        for (UUID anyAccount : new UUID[] {account, otherAccount}) {
            for (String since : new String[] {"yesterday", "2026-01-31", "2026-01-31T09:30:00"}) {
                ResponseEntity<String> answer = get(portfolio, anyAccount, viewer, "?since=" + since);

                assertThat(answer.getStatusCode().value()).as(since).isEqualTo(400);
                assertThat(answer.getHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
                assertThat(answer.getBody())
                        .contains("\"field\":\"since\"", "must be an RFC 3339 date-time, e.g. 2026-01-31T09:30:00Z");
            }
        }
        assertThat(get(portfolio, account, viewer, "?since=yesterday&limit=0").getBody())
                .as("one answer names each parameter that cannot be used")
                .contains("\"field\":\"since\"", "\"field\":\"limit\"", "Invalid parameters: since, limit");
        assertThat(get(portfolio, account, viewer, "?limit=0&cursor=zzz").getBody())
                .as("a bad limit does not hide a bad cursor")
                .contains("\"field\":\"limit\"", "\"field\":\"cursor\"", "Invalid parameters: limit, cursor");
        assertThat(get(portfolio, account, viewer, "?since=2026-01-31t09:30:00z")
                        .getStatusCode()
                        .value())
                .as("a good since, lower case as RFC 3339 allows, goes on to the audit-consumer")
                .isEqualTo(503);
    }

    /**
     * A cursor of the account's log whose time or entry id cannot be read is the paging 400 here too,
     * as the audit-consumer answers it: it was passed on, and answered 503 ("try again after 5 s", for
     * ever) while the audit-consumer was away.
     */
    @Test
    void aCursorOfTheLogHoldingNoTimeAndIdIsA400WhileTheAuditConsumerIsAway() {
        String viewer = TestTokens.token(reader, "reader@agency.example", portfolio, "USER_MANAGEMENT_VIEW");
        String list = ActivityLogPageRequest.list(portfolio, account);

        for (Cursor cursor : new Cursor[] {
            Cursor.of(list, "yesterday", UUID.randomUUID()),
            Cursor.of(list, Instant.now(), "no id"),
            Cursor.of(list, Instant.now()),
            Cursor.of(list)
        }) {
            ResponseEntity<String> answer = get(portfolio, account, viewer, "?cursor=" + cursor.encode());

            assertThat(answer.getStatusCode().value()).as(cursor.toString()).isEqualTo(400);
            assertThat(answer.getBody()).contains("\"field\":\"cursor\"", "is not a cursor of this list");
        }
        assertThat(get(
                                portfolio,
                                account,
                                viewer,
                                "?cursor="
                                        + ActivityLogPageRequest.after(
                                                        portfolio, account, Instant.now(), UUID.randomUUID())
                                                .encode())
                        .getStatusCode()
                        .value())
                .as("a cursor of the log goes on to the audit-consumer")
                .isEqualTo(503);
    }

    @Test
    void apiDescriptionDocumentsTheRoute() {
        String description = RestClient.create("http://localhost:" + port)
                .get()
                .uri("/v3/api-docs")
                .retrieve()
                .body(String.class);

        assertThat(description)
                .contains(
                        "/api/v1/portfolios/{portfolioId}/accounts/{accountId}/activity-log",
                        "ActivityLogEntry",
                        "nextCursor",
                        "from the portfolio level");
    }

    /**
     * The description's example page is one the log could answer: its nextCursor is the log's cursor
     * after its entry, for the portfolio and account the description's path names, and the route takes
     * it on to the audit-consumer (here away: 503) rather than refusing it as no cursor of the list.
     * Before, it decoded to {@code 2026-11-24T10:00:01.123456Z|0b7c2f0e}, which the route refused (400).
     */
    @Test
    void theDescriptionsExampleCursorIsOneTheRouteAccepts() {
        JsonNode description = JsonMapper.builder()
                .build()
                .readTree(RestClient.create("http://localhost:" + port)
                        .get()
                        .uri("/v3/api-docs")
                        .retrieve()
                        .body(String.class));
        JsonNode operation =
                description.path("paths").path("/api/v1/portfolios/{portfolioId}/accounts/{accountId}/activity-log");
        Map<String, String> pathExamples = new HashMap<>();
        operation
                .path("get")
                .path("parameters")
                .values()
                .forEach(parameter -> pathExamples.put(
                        parameter.path("name").asString(),
                        parameter.path("example").isMissingNode()
                                ? ""
                                : parameter.path("example").asString()));
        JsonNode example = operation
                .path("get")
                .path("responses")
                .path("200")
                .path("content")
                .path("application/json")
                .path("example");
        assertThat(example.isMissingNode()).as(operation.toString()).isFalse();
        if (example.isString()) {
            example = JsonMapper.builder().build().readTree(example.asString());
        }
        JsonNode entry = example.path("items").get(0);
        UUID examplePortfolio = UUID.fromString(entry.path("portfolioId").asString());
        String cursor = example.path("nextCursor").asString();

        assertThat(pathExamples).containsEntry("portfolioId", examplePortfolio.toString());
        assertThat(pathExamples.get("accountId")).as(pathExamples.toString()).isNotBlank();
        UUID exampleAccount = UUID.fromString(pathExamples.get("accountId"));
        assertThat(cursor)
                .isEqualTo(ActivityLogPageRequest.after(
                                examplePortfolio,
                                exampleAccount,
                                Instant.parse(entry.path("occurredAt").asString()),
                                UUID.fromString(entry.path("entryId").asString()))
                        .encode());
        if (jdbc.sql("SELECT count(*) FROM directory.accounts WHERE id = ?")
                        .params(exampleAccount)
                        .query(Long.class)
                        .single()
                == 0) {
            seed(examplePortfolio, exampleAccount);
        }
        String viewer = TestTokens.token(reader, "reader@agency.example", examplePortfolio, "USER_MANAGEMENT_VIEW");
        ResponseEntity<String> answer = get(examplePortfolio, exampleAccount, viewer, "?cursor=" + cursor);

        assertThat(answer.getStatusCode().value())
                .as("the example's cursor goes on to the audit-consumer: " + answer.getBody())
                .isEqualTo(503);
    }

    private ResponseEntity<String> get(UUID portfolioId, UUID accountId, String token) {
        return get(portfolioId, accountId, token, "");
    }

    private ResponseEntity<String> get(UUID portfolioId, UUID accountId, String token, String query) {
        return RestClient.builder()
                .baseUrl("http://localhost:" + port)
                .requestInterceptor(ApiDescriptionConformance.INSTANCE)
                .build()
                .get()
                .uri(
                        "/api/v1/portfolios/{portfolioId}/accounts/{accountId}/activity-log" + query,
                        portfolioId,
                        accountId)
                .headers(headers -> {
                    if (token != null) {
                        headers.setBearerAuth(token);
                    }
                })
                .exchange((request, response) -> ResponseEntity.status(response.getStatusCode())
                        .headers(response.getHeaders())
                        .body(response.bodyTo(String.class)));
    }

    private void seed(UUID portfolioId, UUID accountId) {
        jdbc.sql("INSERT INTO directory.portfolios (id, name) VALUES (?, ?)")
                .params(portfolioId, "Portfolio " + portfolioId)
                .update();
        jdbc.sql("INSERT INTO directory.accounts (id, portfolio_id, name) VALUES (?, ?, ?)")
                .params(accountId, portfolioId, "Account " + accountId)
                .update();
    }
}
