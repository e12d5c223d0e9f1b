package com.portfoliobulk.localstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.springframework.http.ResponseEntity;
import org.springframework.web.client.RestClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Reads accounts' activity logs as a client does: through the gateway's public route, with a token. */
final class GatewayActivityLog {

    static final Duration WRITTEN_WITHIN = Duration.ofSeconds(30);

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final RestClient http = RestClient.create();

    private final String gatewayUrl;

    private final String token;

    GatewayActivityLog(String gatewayUrl, String token) {
        this.gatewayUrl = gatewayUrl;
        this.token = token;
    }

    /** The answer to {@code GET .../activity-log?<query>}, whatever its status; the query is sent as given. */
    ResponseEntity<String> get(UUID portfolioId, UUID accountId, String query) {
        return http.get()
                .uri(URI.create(gatewayUrl + "/api/v1/portfolios/" + portfolioId + "/accounts/" + accountId
                        + "/activity-log" + (query.isEmpty() ? "" : "?" + query)))
                .headers(headers -> headers.setBearerAuth(token))
                .exchange((request, response) -> ResponseEntity.status(response.getStatusCode())
                        .headers(response.getHeaders())
                        .body(response.bodyTo(String.class)));
    }

    /** One page, which must be answered with 200. */
    JsonNode page(UUID portfolioId, UUID accountId, String query) {
        ResponseEntity<String> answer = get(portfolioId, accountId, query);
        assertThat(answer.getStatusCode().value()).as(answer.getBody()).isEqualTo(200);
        return JSON.readTree(answer.getBody());
    }

    /** The account's entries, newest first (up to 500). */
    List<JsonNode> entries(UUID portfolioId, UUID accountId) {
        return items(page(portfolioId, accountId, "limit=500"));
    }

    /** Waits until the account's log has exactly {@code count} entries, and returns them newest first. */
    List<JsonNode> awaitEntries(UUID portfolioId, UUID accountId, int count) {
        List<JsonNode> found = new ArrayList<>();
        await().atMost(WRITTEN_WITHIN).untilAsserted(() -> {
            found.clear();
            found.addAll(entries(portfolioId, accountId));
            assertThat(found).hasSize(count);
        });
        return found;
    }

    static List<JsonNode> items(JsonNode page) {
        return new ArrayList<>(page.get("items").values());
    }

    static JsonNode json(String body) {
        return JSON.readTree(body);
    }
}
