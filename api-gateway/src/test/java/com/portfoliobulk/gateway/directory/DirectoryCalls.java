package com.portfoliobulk.gateway.directory;

import com.portfoliobulk.gateway.support.ApiDescriptionConformance;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.web.client.RestClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Calls the gateway over HTTP as a client would, and keeps whatever it answers. */
final class DirectoryCalls {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final RestClient http;

    DirectoryCalls(int port) {
        this.http = RestClient.builder()
                .baseUrl("http://localhost:" + port)
                .requestInterceptor(ApiDescriptionConformance.INSTANCE)
                .build();
    }

    /**
     * GETs {@code path} with the query parameters {@code params} (name, value, name, value...),
     * each value encoded as a whole; a {@code null} token sends no Authorization header.
     */
    Answer get(String token, String path, Object... params) {
        Map<String, Object> values = new LinkedHashMap<>();
        for (int i = 0; i < params.length; i += 2) {
            values.put((String) params[i], params[i + 1]);
        }
        return http.get()
                .uri(uri -> {
                    uri.path(path);
                    values.keySet().forEach(name -> uri.queryParam(name, "{" + name + "}"));
                    return uri.build(values);
                })
                .accept(MediaType.APPLICATION_JSON)
                .headers(headers -> {
                    if (token != null) {
                        headers.setBearerAuth(token);
                    }
                })
                .exchange((request, response) -> {
                    String body = response.bodyTo(String.class);
                    return new Answer(
                            response.getStatusCode().value(),
                            response.getHeaders(),
                            body == null || body.isEmpty() ? null : JSON.readTree(body));
                });
    }

    /**
     * GETs every page of a cursor-paged list, following {@code nextCursor} from the first page to the
     * last; fails on any answer but 200.
     */
    List<Answer> pages(String token, String path, Object... params) {
        List<Answer> pages = new ArrayList<>();
        String cursor = null;
        do {
            List<Object> query = new ArrayList<>(List.of(params));
            if (cursor != null) {
                query.addAll(List.of("cursor", cursor));
            }
            Answer page = get(token, path, query.toArray());
            if (page.status() != 200) {
                throw new AssertionError(
                        "Page " + (pages.size() + 1) + " answered " + page.status() + ": " + page.body());
            }
            pages.add(page);
            cursor = page.body().path("nextCursor").asString(null);
        } while (cursor != null);
        return pages;
    }

    /**
     * What a cursor carries, readable: its parts base64url-decoded as a client could, joined with
     * {@code |}.
     */
    static String decoded(String cursor) {
        List<String> parts = new ArrayList<>();
        for (String part : cursor.split("\\.")) {
            parts.add(new String(Base64.getUrlDecoder().decode(part), StandardCharsets.UTF_8));
        }
        return String.join("|", parts);
    }

    /** The signature an item cursor carries, its last part. */
    static String signature(String cursor) {
        String decoded = decoded(cursor);
        return decoded.substring(decoded.lastIndexOf('|') + 1);
    }

    /**
     * What an item cursor of {@code list} after {@code item} carries, as {@link #decoded} shows it:
     * the list, the id and a signature (16 bytes in base64url), nothing else.
     */
    static String itemCursorPattern(String list, UUID item) {
        return Pattern.quote(list + "|" + item + "|") + "[A-Za-z0-9_-]{22}";
    }

    static String accounts(UUID portfolioId) {
        return "/api/v1/portfolios/" + portfolioId + "/accounts";
    }

    static String users(UUID portfolioId) {
        return "/api/v1/portfolios/" + portfolioId + "/users";
    }

    static String user(UUID portfolioId, Object userId) {
        return users(portfolioId) + "/" + userId;
    }

    /**
     * What the gateway answered.
     *
     * @param status the HTTP status code
     * @param headers the response headers
     * @param body the JSON body; {@code null} when there is none
     */
    record Answer(int status, HttpHeaders headers, JsonNode body) {

        MediaType contentType() {
            return headers.getContentType();
        }
    }
}
