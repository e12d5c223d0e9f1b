package com.portfoliobulk.gateway.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.gateway.support.GatewayIntegrationTest;
import com.portfoliobulk.testsupport.DirectorySeed;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Fuzzes job submission with malformed bodies: every field of every request type replaced by values
 * of the wrong type, huge, empty, null, exotic Unicode and control characters, overflowing numbers,
 * nested structures; and whole bodies that are not one JSON object (empty, truncated, trailing
 * garbage, duplicate keys, 10,000 levels of nesting, invalid UTF-8). Every answer must be a 4xx
 * problem of bounded size without internals, and no job, task or idempotency key may appear. Both
 * endpoints that take a job request get every body: submission and preview.
 */
class MalformedJobRequestIntegrationTests extends GatewayIntegrationTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static final String USER = "00000000-0000-4000-8000-0000000000u1";

    private static final String ACCOUNT = "00000000-0000-4000-8000-0000000000a1";

    /** A valid request of each shape; {@link #USER} and {@link #ACCOUNT} stand for a real member. */
    private static final List<String> TEMPLATES = List.of(
            "{\"type\":\"OFFBOARD_USERS\",\"userIds\":[\"" + USER + "\"]}",
            "{\"type\":\"REMOVE_ACCESS\",\"userIds\":[\"" + USER + "\"],\"accountIds\":[\"" + ACCOUNT + "\"]}",
            "{\"type\":\"UPDATE_ROLES\",\"userIds\":[\"" + USER + "\"],\"accountIds\":[\"" + ACCOUNT
                    + "\"],\"role\":\"MANAGER\"}",
            "{\"type\":\"UPDATE_ROLES\",\"assignments\":[{\"userId\":\"" + USER + "\",\"accountId\":\"" + ACCOUNT
                    + "\",\"role\":\"MANAGER\"}]}",
            "{\"type\":\"INVITE_USERS\",\"emails\":[\"new.person@brand.example\"],\"language\":\"de-CH\","
                    + "\"accounts\":[{\"accountId\":\"" + ACCOUNT + "\",\"role\":\"ANALYST\"}],\"expiresInDays\":7}");

    /** Fields that may be left out or null: only values of the wrong kind are malformed there. */
    private static final List<String> OPTIONAL = List.of("language", "expiresInDays", "accounts[0].role");

    /** Optional text fields, where an empty string is text too and means the default. */
    private static final List<String> BLANK_MEANS_DEFAULT = List.of("language");

    private static final String HUGE = "\"" + "a".repeat(1024 * 1024) + "@brand.example\"";

    private static final String DEEP_ARRAYS = "[".repeat(10_000) + "]".repeat(10_000);

    private static final String DEEP_OBJECTS = "{\"a\":".repeat(10_000) + "1" + "}".repeat(10_000);

    /** Values that are wrong for every field (or, for optional fields, where noted). */
    private static final List<String> WRONG_VALUES = List.of(
            "null",
            "\"\"",
            "true",
            "0",
            "-1",
            "1.5",
            "2147483648",
            "99999999999999999999999999999999999999",
            "1e400",
            "1" + "0".repeat(1_500),
            "{}",
            "[]",
            "[null]",
            "[[[\"" + USER + "\"]]]",
            "\"\\u0000\\u0007\\u001b[31m\"",
            "\"\u202e\uD83D\uDE00\uD83D\uDC69\u200D\uD83D\uDC69\u200D\uD83D\uDC67 \u00fcn\u00efc\u00f6d\u00e9\"",
            "\"\\ud800\\udfff\\ud800\"",
            "\"' OR 1=1; DROP TABLE jobs.bulk_jobs; --\"",
            HUGE,
            DEEP_ARRAYS,
            DEEP_OBJECTS);

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    /** Per seeded portfolio: its member's user id and account id. */
    private final Map<UUID, UUID[]> seeded = new HashMap<>();

    @AfterAll
    static void closeClient() {
        HTTP.close();
    }

    static Stream<Arguments> malformedFields() {
        List<Arguments> cases = new ArrayList<>();
        for (String template : TEMPLATES) {
            JsonNode tree = JSON.readTree(template);
            for (String path : paths(tree, "")) {
                List<byte[]> bodies = new ArrayList<>();
                for (String value : WRONG_VALUES) {
                    if ((OPTIONAL.contains(path) && value.equals("null"))
                            || (BLANK_MEANS_DEFAULT.contains(path) && value.equals("\"\""))) {
                        continue;
                    }
                    bodies.add(replaced(tree, path, value).getBytes(StandardCharsets.UTF_8));
                }
                cases.add(Arguments.of(tree.path("type").asString() + " " + path, bodies));
            }
        }
        return cases.stream();
    }

    static Stream<Arguments> malformedBodies() {
        String valid = TEMPLATES.getFirst();
        return Stream.of(
                body("empty", ""),
                body("blank", "   \n"),
                body("null", "null"),
                body("a number", "42"),
                body("a string", "\"OFFBOARD_USERS\""),
                body("an array of requests", "[" + valid + "]"),
                body("an empty object", "{}"),
                body("nulls everywhere", "{\"type\":null,\"userIds\":null,\"accountIds\":null,\"role\":null}"),
                body("truncated", valid.substring(0, valid.length() - 3)),
                body("trailing garbage", valid + " garbage"),
                body("a second value", valid + valid),
                body("duplicate type", "{\"type\":\"REMOVE_ACCESS\"," + valid.substring(1)),
                body("duplicate field", valid.substring(0, valid.length() - 1) + ",\"userIds\":[]}"),
                body("single quotes", valid.replace('"', '\'')),
                body("comments", "/* hi */" + valid),
                body("nested 10,000 deep", DEEP_ARRAYS),
                body("objects nested 10,000 deep", DEEP_OBJECTS),
                body(
                        "nested just past the limit",
                        "{\"type\":\"OFFBOARD_USERS\",\"userIds\":" + "[".repeat(600) + "]".repeat(600) + "}"),
                body("a 100,000 character key", "{\"" + "k".repeat(100_000) + "\":1," + valid.substring(1)),
                body(
                        "half a million nulls",
                        "{\"type\":\"OFFBOARD_USERS\",\"userIds\":["
                                + String.join(",", Collections.nCopies(500_000, "null")) + "]}"),
                Arguments.of(
                        "invalid UTF-8",
                        bytes(
                                "{\"type\":\"OFFBOARD_USERS\",\"userIds\":[\"".getBytes(StandardCharsets.UTF_8),
                                new byte[] {(byte) 0xC3, (byte) 0x28, (byte) 0xFF},
                                "\"]}".getBytes(StandardCharsets.UTF_8))),
                Arguments.of(
                        "raw NUL bytes",
                        bytes(
                                "{\"type\":\"OFFBOARD_USERS\",".getBytes(StandardCharsets.UTF_8),
                                new byte[] {0, 0, 0},
                                "\"userIds\":[]}".getBytes(StandardCharsets.UTF_8))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformedFields")
    void everyFieldWithAMalformedValueIsRefusedAndCreatesNothing(String field, List<byte[]> bodies) throws Exception {
        DirectorySeed.Portfolio portfolio = seed();
        for (byte[] body : bodies) {
            assertRefused(portfolio, body);
        }
        assertNothingCreated(portfolio.id());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformedBodies")
    void aMalformedBodyIsRefusedAndCreatesNothing(String what, byte[] body) throws Exception {
        DirectorySeed.Portfolio portfolio = seed();

        assertRefused(portfolio, body);

        assertNothingCreated(portfolio.id());
    }

    /**
     * An empty or blank string is no number: {@code "expiresInDays": ""} is refused naming the field,
     * both where the job invites and where it sends invitations again, and is not read as absent
     * (which gave the invitations the default 7 days).
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"\"\"", "\"   \""})
    void anEmptyOrBlankStringForTheExpiryIsRefusedNamingItAndCreatesNothing(String value) throws Exception {
        DirectorySeed.Portfolio portfolio = seed();
        String resend = "{\"type\":\"RESEND_INVITATIONS\",\"userIds\":[\"" + USER + "\"],\"accountIds\":[\"" + ACCOUNT
                + "\"],\"expiresInDays\":7}";
        for (String template : List.of(TEMPLATES.getLast(), resend)) {
            byte[] body = withIds(
                    template.replace("\"expiresInDays\":7", "\"expiresInDays\":" + value)
                            .getBytes(StandardCharsets.UTF_8),
                    portfolio);
            for (String path : List.of(previewPath(portfolio.id()), jobsPath(portfolio.id()))) {
                HttpResponse<String> answer = post(path, portfolio, body);
                assertRefused(answer, body);
                assertThat(answer.statusCode()).as(answer.body()).isEqualTo(400);
                JsonNode error = JSON.readTree(answer.body()).path("errors").path(0);
                assertThat(error.path("field").asString()).as(answer.body()).isEqualTo("expiresInDays");
                assertThat(error.path("message").asString()).isEqualTo("must be a whole number");
            }
        }
        assertNothingCreated(portfolio.id());
    }

    static Stream<Arguments> fieldsPastAReadingLimit() {
        String nested = "[".repeat(600) + "]".repeat(600);
        String digits = "1".repeat(1_001);
        return Stream.of(
                Arguments.of(
                        "userIds", "{\"type\":\"OFFBOARD_USERS\",\"userIds\":" + nested + "}", "maximum allowed (500)"),
                Arguments.of(
                        "userIds", "{\"userIds\":" + nested + ",\"type\":\"OFFBOARD_USERS\"}", "maximum allowed (500)"),
                Arguments.of("type", "{\"type\":" + nested + ",\"userIds\":[]}", "maximum allowed (500)"),
                Arguments.of(
                        "expiresInDays",
                        TEMPLATES.getLast().replace("\"expiresInDays\":7", "\"expiresInDays\":" + digits),
                        "maximum allowed (1000)"));
    }

    /**
     * A field nested deeper than the reader takes (500 levels) or a number longer (1,000 digits) is
     * refused naming the field and the limit it passed, not as a body that is no JSON object.
     */
    @ParameterizedTest(name = "{0}: {2}")
    @MethodSource("fieldsPastAReadingLimit")
    void aFieldPastAReadingLimitIsRefusedNamingItAndTheLimit(String field, String json, String limit) throws Exception {
        DirectorySeed.Portfolio portfolio = seed();
        byte[] body = withIds(json.getBytes(StandardCharsets.UTF_8), portfolio);

        for (String path : List.of(previewPath(portfolio.id()), jobsPath(portfolio.id()))) {
            HttpResponse<String> answer = post(path, portfolio, body);
            assertRefused(answer, body);
            assertThat(answer.statusCode()).isEqualTo(400);
            JsonNode problem = JSON.readTree(answer.body());
            assertThat(problem.path("errors").values())
                    .as(answer.body())
                    .extracting(error -> error.path("field").asString())
                    .containsExactly(field);
            assertThat(problem.path("errors").path(0).path("message").asString())
                    .as(answer.body())
                    .contains(limit);
            assertThat(problem.path("detail").asString()).contains(field, limit);
        }
        assertNothingCreated(portfolio.id());
    }

    /** A whole body nested past the limit names the limit, though no field. */
    @Test
    void aBodyNestedPastTheLimitIsRefusedNamingTheLimit() throws Exception {
        DirectorySeed.Portfolio portfolio = seed();
        byte[] body = DEEP_ARRAYS.getBytes(StandardCharsets.UTF_8);

        for (String path : List.of(previewPath(portfolio.id()), jobsPath(portfolio.id()))) {
            HttpResponse<String> answer = post(path, portfolio, body);
            assertRefused(answer, body);
            assertThat(JSON.readTree(answer.body()).path("detail").asString())
                    .as(answer.body())
                    .startsWith("The request body goes beyond a limit of what the service reads")
                    .endsWith("Document nesting depth (501) exceeds the maximum allowed (500)");
        }
        assertNothingCreated(portfolio.id());
    }

    @Test
    void theTemplatesThemselvesAreValid() throws Exception {
        for (String template : TEMPLATES) {
            DirectorySeed.Portfolio portfolio = seed();
            byte[] body = withIds(template.getBytes(StandardCharsets.UTF_8), portfolio);
            HttpResponse<String> previewed = post(previewPath(portfolio.id()), portfolio, body);
            HttpResponse<String> submitted = post(jobsPath(portfolio.id()), portfolio, body);
            assertThat(previewed.statusCode())
                    .as(template + " " + previewed.body())
                    .isEqualTo(200);
            assertThat(submitted.statusCode())
                    .as(template + " " + submitted.body())
                    .isEqualTo(202);
        }
    }

    private void assertRefused(DirectorySeed.Portfolio portfolio, byte[] body) throws Exception {
        byte[] sent = withIds(body, portfolio);
        for (String path : List.of(previewPath(portfolio.id()), jobsPath(portfolio.id()))) {
            assertRefused(post(path, portfolio, sent), sent);
        }
    }

    private static void assertRefused(HttpResponse<String> answer, byte[] sent) {
        String shown = new String(sent, 0, Math.min(sent.length, 200), StandardCharsets.UTF_8);
        assertThat(answer.statusCode())
                .as(shown + " -> " + answer.body())
                .isBetween(400, 499)
                .isNotEqualTo(429);
        assertThat(answer.headers().firstValue("Content-Type")).as(shown).hasValue("application/problem+json");
        JsonNode problem = JSON.readTree(answer.body());
        assertThat(problem.path("status").asInt()).isEqualTo(answer.statusCode());
        assertThat(problem.path("detail").asString()).isNotBlank();
        assertThat(answer.body().length()).as(shown).isLessThan(20_000);
        assertThat(answer.body()).doesNotContain("Exception", "tools.jackson", "at com.", "SQL");
    }

    private void assertNothingCreated(UUID portfolioId) {
        assertThat(jobCount(portfolioId)).isZero();
        assertThat(taskCount(portfolioId)).isZero();
        assertThat(jdbc.sql("SELECT count(*) FROM jobs.idempotency_keys WHERE portfolio_id = ?")
                        .params(portfolioId)
                        .query(Long.class)
                        .single())
                .isZero();
    }

    private DirectorySeed.Portfolio seed() {
        DirectorySeed.Portfolio portfolio = directory.portfolio();
        UUID account = portfolio.account("Alpha");
        UUID user = portfolio.user("ann");
        portfolio.member(account, user, AccountRole.ANALYST);
        seeded.put(portfolio.id(), new UUID[] {user, account});
        return portfolio;
    }

    /** The body with the placeholders replaced by the seeded member's ids; other bytes stay as they are. */
    private byte[] withIds(byte[] body, DirectorySeed.Portfolio portfolio) {
        UUID[] ids = seeded.get(portfolio.id());
        return new String(body, StandardCharsets.ISO_8859_1)
                .replace(USER, ids[0].toString())
                .replace(ACCOUNT, ids[1].toString())
                .getBytes(StandardCharsets.ISO_8859_1);
    }

    private HttpResponse<String> post(String path, DirectorySeed.Portfolio portfolio, byte[] body) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .header("Authorization", "Bearer " + admin(portfolio.id()))
                .header("Idempotency-Key", UUID.randomUUID().toString())
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
        return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private static String previewPath(UUID portfolioId) {
        return jobsPath(portfolioId) + "/preview";
    }

    /** Every field of the request (array elements by their first one), as JSON paths. */
    private static List<String> paths(JsonNode node, String prefix) {
        List<String> paths = new ArrayList<>();
        if (node instanceof ObjectNode object) {
            for (Map.Entry<String, JsonNode> field : object.properties()) {
                String path = prefix.isEmpty() ? field.getKey() : prefix + "." + field.getKey();
                paths.add(path);
                paths.addAll(paths(field.getValue(), path));
            }
        } else if (node instanceof ArrayNode array && !array.isEmpty()) {
            String path = prefix + "[0]";
            paths.add(path);
            paths.addAll(paths(array.get(0), path));
        }
        return paths;
    }

    /** The request with the value at {@code path} replaced by the raw JSON {@code value}. */
    private static String replaced(JsonNode tree, String path, String value) {
        JsonNode copy = tree.deepCopy();
        String marker = "@@" + UUID.randomUUID() + "@@";
        JsonNode parent = copy;
        String[] steps = path.split("\\.");
        for (int i = 0; i < steps.length; i++) {
            String step = steps[i];
            boolean last = i == steps.length - 1;
            String name = step.endsWith("[0]") ? step.substring(0, step.length() - 3) : step;
            if (step.endsWith("[0]")) {
                ArrayNode array = (ArrayNode) parent.get(name);
                if (last) {
                    array.set(0, array.stringNode(marker));
                } else {
                    parent = array.get(0);
                }
            } else if (last) {
                ((ObjectNode) parent).put(name, marker);
            } else {
                parent = parent.get(name);
            }
        }
        return JSON.writeValueAsString(copy).replace("\"" + marker + "\"", value);
    }

    private static Arguments body(String what, String json) {
        return Arguments.of(what, json.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] bytes(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }
}
