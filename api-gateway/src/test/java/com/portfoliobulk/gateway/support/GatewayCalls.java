package com.portfoliobulk.gateway.support;

import java.util.List;
import java.util.Map;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.web.client.RestClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Calls a running gateway over HTTP as a client would and keeps whatever it answers, each answer
 * checked against the served API description ({@link ApiDescriptionConformance}).
 */
public final class GatewayCalls {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final RestClient http;

    public GatewayCalls(String baseUrl) {
        this.http = RestClient.builder()
                .baseUrl(baseUrl)
                .requestInterceptor(ApiDescriptionConformance.INSTANCE)
                .build();
    }

    public GatewayCalls(int port) {
        this("http://localhost:" + port);
    }

    /** POSTs a JSON body; {@code null} token or key sends no such header. */
    public Answer post(String token, String path, String idempotencyKey, String jsonBody) {
        return post(token, path, idempotencyKey, jsonBody, Map.of());
    }

    /** POSTs a JSON body with extra request headers, each value on a header line of its own. */
    public Answer post(
            String token, String path, String idempotencyKey, String jsonBody, Map<String, List<String>> extraHeaders) {
        return http.post()
                .uri(path)
                .contentType(MediaType.APPLICATION_JSON)
                .accept(MediaType.APPLICATION_JSON)
                .headers(headers -> {
                    auth(headers, token);
                    if (idempotencyKey != null) {
                        headers.set("Idempotency-Key", idempotencyKey);
                    }
                    extraHeaders.forEach(headers::put);
                })
                .body(jsonBody == null ? "" : jsonBody)
                .exchange((request, response) ->
                        answer(response.getStatusCode().value(), response.getHeaders(), response.bodyTo(String.class)));
    }

    /** GETs {@code path} (with its query) as JSON. */
    public Answer get(String token, String path) {
        return get(token, path, Map.of());
    }

    /** GETs {@code path} with extra request headers. */
    public Answer get(String token, String path, Map<String, String> extraHeaders) {
        return http.get()
                .uri(path)
                .headers(headers -> {
                    headers.setAccept(List.of(MediaType.APPLICATION_JSON));
                    auth(headers, token);
                    extraHeaders.forEach(headers::set);
                })
                .exchange((request, response) ->
                        answer(response.getStatusCode().value(), response.getHeaders(), response.bodyTo(String.class)));
    }

    /** DELETEs {@code path}. */
    public Answer delete(String token, String path) {
        return http.delete()
                .uri(path)
                .headers(headers -> {
                    headers.setAccept(List.of(MediaType.APPLICATION_JSON));
                    auth(headers, token);
                })
                .exchange((request, response) ->
                        answer(response.getStatusCode().value(), response.getHeaders(), response.bodyTo(String.class)));
    }

    private static void auth(HttpHeaders headers, String token) {
        if (token != null) {
            headers.setBearerAuth(token);
        }
    }

    private static Answer answer(int status, HttpHeaders headers, String body) {
        JsonNode json = null;
        MediaType type = headers.getContentType();
        if (body != null && !body.isEmpty() && type != null && type.getSubtype().contains("json")) {
            json = JSON.readTree(body);
        }
        return new Answer(status, headers, json, body);
    }

    /**
     * What the gateway answered.
     *
     * @param status the HTTP status
     * @param headers the response headers
     * @param body the JSON body, {@code null} when there is none or it is not JSON
     * @param text the raw body
     */
    public record Answer(int status, HttpHeaders headers, JsonNode body, String text) {

        public String header(String name) {
            return headers.getFirst(name);
        }

        public MediaType contentType() {
            return headers.getContentType();
        }
    }
}
