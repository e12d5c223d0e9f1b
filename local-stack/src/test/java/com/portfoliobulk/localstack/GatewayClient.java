package com.portfoliobulk.localstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.client.RestClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A client of the gateway's public API, as an automation client uses it: bearer token, JSON bodies,
 * an {@code Idempotency-Key} per submission, polling a job until it is terminal.
 */
final class GatewayClient {

    static final Duration JOB_DONE_WITHIN = Duration.ofSeconds(30);

    static final Set<String> TERMINAL = Set.of("COMPLETED", "COMPLETED_WITH_ERRORS", "CANCELLED");

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final RestClient http = RestClient.create();

    private final String gatewayUrl;

    private final String token;

    private final UUID portfolioId;

    GatewayClient(String gatewayUrl, String token, UUID portfolioId) {
        this.gatewayUrl = gatewayUrl;
        this.token = token;
        this.portfolioId = portfolioId;
    }

    /** {@code POST .../bulk-jobs} with the key, whatever the answer. */
    ResponseEntity<String> submit(Object body, String idempotencyKey) {
        return exchange("POST", "/bulk-jobs", body, idempotencyKey);
    }

    /** Submits with a fresh key, requires {@code 202}, and returns the job id. */
    UUID submit(Object body) {
        ResponseEntity<String> answer = submit(body, UUID.randomUUID().toString());
        assertThat(answer.getStatusCode().value()).as(answer.getBody()).isEqualTo(202);
        return UUID.fromString(json(answer.getBody()).get("jobId").asString());
    }

    JsonNode job(UUID jobId) {
        return ok(exchange("GET", "/bulk-jobs/" + jobId, null, null));
    }

    /** Polls the job until it is terminal; returns it. */
    JsonNode awaitTerminal(UUID jobId) {
        JsonNode[] last = new JsonNode[1];
        await().atMost(JOB_DONE_WITHIN).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
            last[0] = job(jobId);
            assertThat(last[0].get("status").asString()).isIn(TERMINAL);
        });
        return last[0];
    }

    /** The portfolio's jobs, newest first (first page). */
    List<JsonNode> jobs() {
        return new ArrayList<>(ok(exchange("GET", "/bulk-jobs?limit=500", null, null))
                .get("items")
                .values());
    }

    /** Each task's outcome by "accountId email": its status, and its reason when it has one. */
    static Map<String, String> outcomes(List<JsonNode> tasks) {
        Map<String, String> outcomes = new java.util.LinkedHashMap<>();
        for (JsonNode task : tasks) {
            String reason = text(task, "reason");
            outcomes.put(
                    task.get("accountId").asString() + " " + task.get("email").asString(),
                    task.get("status").asString() + (reason == null ? "" : " " + reason));
        }
        return outcomes;
    }

    ResponseEntity<String> cancel(UUID jobId) {
        return exchange("POST", "/bulk-jobs/" + jobId + "/cancel", null, null);
    }

    /** Every task of the job, following the cursor. */
    List<JsonNode> tasks(UUID jobId) {
        List<JsonNode> tasks = new ArrayList<>();
        String cursor = null;
        do {
            JsonNode page = ok(exchange(
                    "GET",
                    "/bulk-jobs/" + jobId + "/tasks?limit=500" + (cursor == null ? "" : "&cursor=" + cursor),
                    null,
                    null));
            tasks.addAll(page.get("items").values());
            cursor = text(page, "nextCursor");
        } while (cursor != null);
        return tasks;
    }

    /** Every item of the preview of the body, following the cursor. */
    List<JsonNode> preview(Object body) {
        List<JsonNode> items = new ArrayList<>();
        String cursor = null;
        do {
            JsonNode page = ok(exchange(
                    "POST", "/bulk-jobs/preview?limit=500" + (cursor == null ? "" : "&cursor=" + cursor), body, null));
            items.addAll(page.get("items").values());
            cursor = text(page, "nextCursor");
        } while (cursor != null);
        return items;
    }

    /**
     * The access of the user with this exact address, by account, as the bird's-eye view lists it:
     * role, or {@code role/INVITED} for a pending invitation. Empty when the user is in no account.
     */
    Map<UUID, String> memberships(String email) {
        JsonNode page = ok(exchange("GET", "/users?limit=500&q=" + email, null, null));
        for (JsonNode user : page.get("items").values()) {
            if (user.get("email").asString().equals(email)) {
                return user.get("memberships").values().stream()
                        .collect(Collectors.toMap(
                                membership -> UUID.fromString(
                                        membership.get("accountId").asString()),
                                membership -> membership.get("role").asString()
                                        + ("INVITED"
                                                        .equals(membership
                                                                .get("state")
                                                                .asString())
                                                ? "/INVITED"
                                                : "")));
            }
        }
        return Map.of();
    }

    static <K> Map<K, JsonNode> byKey(List<JsonNode> nodes, Function<JsonNode, K> key) {
        return nodes.stream().collect(Collectors.toMap(key, node -> node));
    }

    static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asString();
    }

    static JsonNode json(String body) {
        return JSON.readTree(body);
    }

    private JsonNode ok(ResponseEntity<String> answer) {
        assertThat(answer.getStatusCode().value()).as(answer.getBody()).isEqualTo(200);
        return json(answer.getBody());
    }

    /** Any call under the portfolio's path, whatever it answers. */
    /** The bearer token this client sends. */
    String token() {
        return token;
    }

    ResponseEntity<String> call(String method, String path, Object body) {
        return exchange(method, path, body, null);
    }

    private ResponseEntity<String> exchange(String method, String path, Object body, String idempotencyKey) {
        RestClient.RequestBodySpec request = http.method(org.springframework.http.HttpMethod.valueOf(method))
                .uri(URI.create(gatewayUrl + "/api/v1/portfolios/" + portfolioId + path))
                .headers(headers -> {
                    headers.setBearerAuth(token);
                    headers.setAccept(List.of(MediaType.APPLICATION_JSON, MediaType.APPLICATION_PROBLEM_JSON));
                    if (idempotencyKey != null) {
                        headers.set("Idempotency-Key", idempotencyKey);
                    }
                });
        if (body != null) {
            request.contentType(MediaType.APPLICATION_JSON).body(JSON.writeValueAsString(body));
        }
        return request.exchange((req, response) -> ResponseEntity.status(response.getStatusCode())
                .headers(response.getHeaders())
                .body(response.bodyTo(String.class)));
    }
}
