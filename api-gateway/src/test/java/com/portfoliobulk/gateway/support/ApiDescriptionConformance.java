package com.portfoliobulk.gateway.support;

import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.client.ClientHttpRequestExecution;
import org.springframework.http.client.ClientHttpRequestInterceptor;
import org.springframework.http.client.ClientHttpResponse;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Checks every answer the HTTP tests get from the gateway against the API description the gateway
 * serves at {@code /v3/api-docs}: the status must be described for the operation, the header fields a
 * client acts on ({@link #DECLARED_HEADERS}) the answer carries must be declared for that status, the
 * content type must be one of the response's, and a JSON body must match its schema (JSON Schema
 * 2020-12, as OpenAPI 3.1 says). A drift between the answers and the description fails the test that saw it.
 * Requests outside {@code /api/} and routes the description does not have (unknown paths, wrong
 * methods) are not checked.
 */
public final class ApiDescriptionConformance implements ClientHttpRequestInterceptor {

    /** One for all clients: the description is read once per running gateway. */
    public static final ApiDescriptionConformance INSTANCE = new ApiDescriptionConformance();

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /**
     * The header fields a client reads to act on an answer (when to retry, what to poll, which version it
     * has, how much of a rate limit is left, which request it answers): an answer that carries one must
     * have it declared.
     */
    static final List<String> DECLARED_HEADERS = List.of(
            "X-Request-Id",
            HttpHeaders.RETRY_AFTER,
            HttpHeaders.ETAG,
            HttpHeaders.LOCATION,
            "RateLimit-Policy",
            "RateLimit",
            "RateLimit-Limit",
            "RateLimit-Remaining",
            "RateLimit-Reset");

    private final Map<String, Description> descriptions = new ConcurrentHashMap<>();

    private ApiDescriptionConformance() {}

    @Override
    public ClientHttpResponse intercept(
            org.springframework.http.HttpRequest request, byte[] body, ClientHttpRequestExecution execution)
            throws IOException {
        ClientHttpResponse response = execution.execute(request, body);
        byte[] answer = response.getBody().readAllBytes();
        check(request.getURI(), request.getMethod().name(), response.getStatusCode(), response.getHeaders(), answer);
        return new Buffered(response, answer);
    }

    /** Checks one answer; throws {@link AssertionError} naming what the description does not allow. */
    public void check(URI uri, String method, HttpStatusCode status, HttpHeaders headers, byte[] body) {
        String path = uri.getRawPath();
        if (!path.startsWith("/api/")) {
            return;
        }
        Description description =
                descriptions.computeIfAbsent(uri.getScheme() + "://" + uri.getRawAuthority(), Description::read);
        JsonNode operation = description.operation(path, method.toLowerCase(Locale.ROOT));
        if (operation == null) {
            return;
        }
        String where = method + " " + path + " answered " + status.value();
        JsonNode responses = operation.path("responses");
        JsonNode response = responses.has(String.valueOf(status.value()))
                ? responses.path(String.valueOf(status.value()))
                : responses.path("default");
        if (response.isMissingNode()) {
            throw new AssertionError(where + ", a status the API description does not have for it (it has "
                    + responses.propertyNames() + ")");
        }
        Set<String> declared = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
        declared.addAll(response.path("headers").propertyNames());
        for (String header : DECLARED_HEADERS) {
            if (headers.containsHeader(header) && !declared.contains(header)) {
                throw new AssertionError(where + " with the header " + header + ": " + headers.getFirst(header)
                        + ", which the description does not declare for it (it declares " + declared + ")");
            }
        }
        if (body.length == 0) {
            return;
        }
        MediaType contentType = headers.getContentType();
        if (contentType == null) {
            throw new AssertionError(where + " a body without a Content-Type");
        }
        String media = contentType.getType() + "/" + contentType.getSubtype();
        JsonNode content = response.path("content");
        if (!content.has(media)) {
            throw new AssertionError(where + " with " + media + ", which the description does not have (it has "
                    + content.propertyNames() + ")");
        }
        if (!contentType.getSubtype().endsWith("json")) {
            return;
        }
        JsonNode schema = content.path(media).path("schema");
        if (schema.isMissingNode()) {
            return;
        }
        List<Error> errors = description.schema(schema).validate(JSON.readTree(body));
        if (!errors.isEmpty()) {
            List<String> messages = new ArrayList<>();
            errors.stream().limit(10).forEach(error -> messages.add(error.toString()));
            throw new AssertionError(where + " a body the API description does not allow: " + messages + "\n"
                    + new String(body, StandardCharsets.UTF_8));
        }
    }

    /** The served description, with the paths as patterns and the schemas compiled once. */
    private static final class Description {

        private final JsonNode document;

        private final Map<Pattern, String> paths = new java.util.LinkedHashMap<>();

        private final Map<JsonNode, Schema> schemas = new ConcurrentHashMap<>();

        private final SchemaRegistry registry = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);

        private Description(JsonNode document) {
            this.document = document;
            List<String> templates = new ArrayList<>(document.path("paths").propertyNames());
            // Literal segments first: /bulk-jobs/preview before /bulk-jobs/{jobId}.
            templates.sort(java.util.Comparator.comparingLong(
                    (String template) -> template.chars().filter(c -> c == '{').count()));
            for (String template : templates) {
                paths.put(Pattern.compile(template.replaceAll("\\{[^/}]+}", "[^/]+")), template);
            }
        }

        static Description read(String origin) {
            try (HttpClient http = HttpClient.newHttpClient()) {
                HttpResponse<String> answer = http.send(
                        HttpRequest.newBuilder(URI.create(origin + "/v3/api-docs"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                return new Description(JSON.readTree(answer.body()));
            } catch (IOException ex) {
                throw new IllegalStateException("Cannot read the API description of " + origin, ex);
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(ex);
            }
        }

        /**
         * The operation of the most literal path that matches, as the gateway routes it: a method that
         * path does not have is a wrong method (not described), not the method of a templated sibling
         * ({@code GET /bulk-jobs/preview} is not {@code GET /bulk-jobs/{jobId}}).
         */
        JsonNode operation(String path, String method) {
            for (Map.Entry<Pattern, String> template : paths.entrySet()) {
                if (template.getKey().matcher(path).matches()) {
                    JsonNode operation =
                            document.path("paths").path(template.getValue()).path(method);
                    return operation.isMissingNode() ? null : operation;
                }
            }
            return null;
        }

        Schema schema(JsonNode schema) {
            return schemas.computeIfAbsent(schema, node -> {
                ObjectNode root = JSON.createObjectNode();
                root.put("$schema", "https://json-schema.org/draft/2020-12/schema");
                root.set("components", document.path("components"));
                root.putArray("allOf").add(node);
                return registry.getSchema(root);
            });
        }
    }

    /** The response with its body read already. */
    private record Buffered(ClientHttpResponse response, byte[] body) implements ClientHttpResponse {

        @Override
        public HttpStatusCode getStatusCode() throws IOException {
            return response.getStatusCode();
        }

        @Override
        public String getStatusText() throws IOException {
            return response.getStatusText();
        }

        @Override
        public HttpHeaders getHeaders() {
            return response.getHeaders();
        }

        @Override
        public InputStream getBody() {
            return new ByteArrayInputStream(body);
        }

        @Override
        public void close() {
            response.close();
        }
    }
}
