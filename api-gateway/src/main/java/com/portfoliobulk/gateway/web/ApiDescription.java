package com.portfoliobulk.gateway.web;

import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.oas.models.headers.Header;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.media.ArraySchema;
import io.swagger.v3.oas.models.media.Content;
import io.swagger.v3.oas.models.media.IntegerSchema;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.media.ObjectSchema;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.media.StringSchema;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.oas.models.responses.ApiResponses;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springdoc.core.customizers.OpenApiCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The rules every operation of the API shares, written into the served description once instead of
 * on each operation: the API's info, the bearer token (Swagger UI's Authorize button), the one
 * problem shape of every error answer and the answers any operation may give (bad parameter, no
 * token, no permission, not found, database away, unexpected error), the header fields the answers
 * of a status carry ({@code Retry-After} on a 503, the rate limit fields on a 429, {@code ETag} on a
 * 304, {@code X-Request-Id} on every answer), the paging rule, nullable enumerations and bodiless 304 answers. Controllers describe only what
 * is particular to them.
 */
@Configuration(proxyBeanMethods = false)
class ApiDescription {

    static final String NEXT_CURSOR = "nextCursor";

    static final String PROBLEM = "Problem";

    static final String FIELD_PROBLEM = "FieldProblem";

    static final String BEARER = "bearerAuth";

    private static final String PROBLEM_JSON = "application/problem+json";

    private static final String RETRY_AFTER = "Retry-After";

    /** The answers any operation of the API may give, and what they mean when it does not say more. */
    private static final Map<String, String> COMMON_ANSWERS = commonAnswers();

    @Bean
    OpenApiCustomizer sharedRules() {
        return openApi -> {
            info(openApi);
            Components components = openApi.getComponents() == null ? new Components() : openApi.getComponents();
            openApi.setComponents(components);
            security(openApi, components);
            problemSchemas(components);
            if (components.getSchemas() != null) {
                components.getSchemas().values().forEach(schema -> {
                    pagingRule(schema);
                    nullableEnums(schema);
                });
            }
            if (openApi.getPaths() != null) {
                openApi.getPaths()
                        .forEach((path, item) -> item.readOperationsMap().forEach(ApiDescription::answers));
            }
        };
    }

    private static void info(OpenAPI openApi) {
        openApi.setInfo(new Info()
                .title("Portfolio Bulk Access API")
                .version("v1")
                .description("Invite users, change their roles, and remove or offboard them across the accounts of a"
                        + " portfolio in one request. Every error is an RFC 9457 problem (application/problem+json)"
                        + " with one of the product's `type` URNs; every list is cursor-paged the same way"
                        + " (`limit` 1-500 in plain digits, default 50; `nextCursor` always present, null on the last"
                        + " page)."));
    }

    private static void security(OpenAPI openApi, Components components) {
        components.addSecuritySchemes(
                BEARER,
                new SecurityScheme()
                        .type(SecurityScheme.Type.HTTP)
                        .scheme("bearer")
                        .bearerFormat("JWT")
                        .description("The identity provider's access token; it names the caller (`sub`, `email`)"
                                + " and their permissions per portfolio."));
        openApi.setSecurity(List.of(new SecurityRequirement().addList(BEARER)));
    }

    /** The one shape of every error answer, instead of Spring's ProblemDetail class. */
    @SuppressWarnings("rawtypes")
    private static void problemSchemas(Components components) {
        if (components.getSchemas() != null) {
            components.getSchemas().remove("ProblemDetail");
        }
        Schema<?> fieldProblem = new ObjectSchema()
                .description("What is wrong with one part of the request.")
                .addProperty(
                        "field", new StringSchema().description("The body's JSON path, query parameter or header."))
                .addProperty("message", new StringSchema().description("What is wrong with it, and the fix."))
                .required(List.of("field", "message"));
        Map<String, Schema> properties = new LinkedHashMap<>();
        properties.put(
                "type",
                new StringSchema()
                        .format("uri")
                        .description("The kind of problem: `urn:portfolio-bulk:problem:<name>`.")
                        .example("urn:portfolio-bulk:problem:invalid-request"));
        properties.put("title", new StringSchema().description("A short summary of the kind of problem."));
        properties.put("status", new IntegerSchema().description("The HTTP status."));
        properties.put("detail", new StringSchema().description("What is wrong with this request and how to fix it."));
        properties.put(
                "instance",
                new StringSchema()
                        .format("uri-reference")
                        .description("The path of the request that failed (a relative reference)."));
        properties.put(
                "errors",
                new ArraySchema()
                        .items(new Schema<>().$ref("#/components/schemas/" + FIELD_PROBLEM))
                        .description("The offending fields, when the problem is about some of them."));
        properties.put(
                "errorId",
                new StringSchema().description("For an unexpected error: the id under which the server logged it."));
        properties.put(
                RequestIds.KEY,
                new StringSchema()
                        .description("The request's id, as in the answer's " + RequestIds.HEADER + " header: every log"
                                + " line about the request carries it; quote it when reporting the problem."));
        Schema<?> problem = new ObjectSchema()
                .description("An RFC 9457 problem: the answer to every request that failed.")
                .properties(properties)
                .required(List.of("type", "title", "status"));
        components.addSchemas(FIELD_PROBLEM, fieldProblem);
        components.addSchemas(PROBLEM, problem);
    }

    /** Every page's {@code nextCursor} is always present: a string, or null on the last page. */
    @SuppressWarnings("rawtypes")
    private static void pagingRule(Schema schema) {
        Map<String, Schema> properties = schema.getProperties();
        if (properties == null || !properties.containsKey(NEXT_CURSOR)) {
            return;
        }
        Schema nextCursor = properties.get(NEXT_CURSOR);
        nextCursor.setTypes(new LinkedHashSet<>(List.of("string", "null")));
        if (nextCursor.getDescription() == null) {
            nextCursor.setDescription("Pass as `cursor` to get the next page; null on the last page.");
        }
        for (String required : List.of("items", NEXT_CURSOR)) {
            if (properties.containsKey(required)
                    && (schema.getRequired() == null || !schema.getRequired().contains(required))) {
                schema.addRequiredItem(required);
            }
        }
    }

    /** A nullable enumeration allows null among its values too, or null would not be valid. */
    @SuppressWarnings({"rawtypes", "unchecked"})
    private static void nullableEnums(Schema schema) {
        if (schema.getProperties() == null) {
            return;
        }
        for (Object value : schema.getProperties().values()) {
            Schema property = (Schema) value;
            boolean nullable =
                    (property.getTypes() != null && property.getTypes().contains("null"))
                            || Boolean.TRUE.equals(property.getNullable());
            if (nullable && property.getEnum() != null && !property.getEnum().contains(null)) {
                List<Object> values = new ArrayList<>(property.getEnum());
                values.add(null);
                property.setEnum(values);
            }
        }
    }

    /**
     * Every error answer has the problem shape; every operation also lists the answers any operation
     * may give; a 304 has no body; every answer carries the request's id ({@link RequestIds}).
     */
    private static void answers(PathItem.HttpMethod method, Operation operation) {
        ApiResponses responses = operation.getResponses() == null ? new ApiResponses() : operation.getResponses();
        operation.setResponses(responses);
        Map<String, String> common = new LinkedHashMap<>(COMMON_ANSWERS);
        if (BODY_METHODS.contains(method)) {
            common.putAll(BODY_ANSWERS);
        }
        common.forEach((code, description) -> {
            if (!responses.containsKey(code)) {
                responses.addApiResponse(code, new ApiResponse().description(description));
            }
        });
        responses.forEach((code, response) -> {
            if (code.startsWith("4") || code.startsWith("5")) {
                response.setContent(new Content()
                        .addMediaType(
                                PROBLEM_JSON,
                                new MediaType().schema(new Schema<>().$ref("#/components/schemas/" + PROBLEM))));
            }
            if (code.equals("304")) {
                response.setContent(null);
                header(response, "ETag", new StringSchema(), "The current tag; send it again in If-None-Match.");
            }
            if (code.equals("429")) {
                rateLimitHeaders(response);
            }
            if (code.equals("503")) {
                header(response, RETRY_AFTER, new IntegerSchema(), "Seconds to wait before retrying.");
            }
            header(
                    response,
                    RequestIds.HEADER,
                    new StringSchema(),
                    "The request's id: the client's own X-Request-Id when it sent a usable one (1 to 128 letters,"
                            + " digits and `. _ : -`), otherwise a new UUID. Every log line about the request, and"
                            + " `requestId` in a problem, carry it.");
        });
    }

    /**
     * What a 429 carries (the portfolio's rate limits, {@code RateLimitHeaders}): {@code Retry-After} and
     * the IETF rate limit fields (draft-ietf-httpapi-ratelimit-headers), the current ones and the earlier
     * drafts'.
     */
    private static void rateLimitHeaders(ApiResponse response) {
        header(response, RETRY_AFTER, new IntegerSchema(), "Seconds until the limit lets requests through again.");
        header(
                response,
                "RateLimit-Policy",
                new StringSchema(),
                "The policy used up, its quota and window in seconds: `\"submissions\";q=60;w=60`.");
        header(
                response,
                "RateLimit",
                new StringSchema(),
                "What is left of the policy and the seconds until it resets: `\"submissions\";r=0;t=42`.");
        header(response, "RateLimit-Limit", new IntegerSchema(), "The quota of the window (earlier drafts).");
        header(response, "RateLimit-Remaining", new IntegerSchema(), "What is left of it: 0 (earlier drafts).");
        header(response, "RateLimit-Reset", new IntegerSchema(), "Seconds until it resets (earlier drafts).");
    }

    /**
     * Declares the header field {@code name} on {@code response}, unless the operation declares it
     * already (in its own words).
     */
    private static void header(ApiResponse response, String name, Schema<?> schema, String description) {
        if (response.getHeaders() == null || !response.getHeaders().containsKey(name)) {
            response.addHeaderObject(name, new Header().description(description).schema(schema));
        }
    }

    /** The methods whose requests carry a body: a POST, PUT or PATCH. */
    private static final Set<PathItem.HttpMethod> BODY_METHODS =
            EnumSet.of(PathItem.HttpMethod.POST, PathItem.HttpMethod.PUT, PathItem.HttpMethod.PATCH);

    /**
     * What any POST, PUT or PATCH may be answered besides: its body is refused before it is read, or
     * while it is read too slowly.
     */
    private static final Map<String, String> BODY_ANSWERS = Map.of(
            "408",
            "The body did not arrive within the time the gateway waits for one"
                    + " (`bulk.gateway.web.body-read-timeout`); nothing was changed, send it again.",
            "413",
            "The body is larger than the gateway takes (`bulk.gateway.web.max-request-body`).",
            "415",
            "The body is not of a media type the operation takes, or is compressed (only an uncompressed body,"
                    + " without Content-Encoding, is taken).");

    private static Map<String, String> commonAnswers() {
        Map<String, String> answers = new LinkedHashMap<>();
        answers.put("400", "A parameter, header or the body cannot be used; `errors` names it.");
        answers.put("401", "No valid bearer token.");
        answers.put("403", "The caller lacks the permission the request needs.");
        answers.put("404", "What the path names does not exist, or not in this portfolio.");
        answers.put("406", "No media type the Accept header allows can answer it.");
        answers.put("500", "An unexpected error; `errorId` finds it in the server's log.");
        answers.put(
                "503",
                "The service cannot reach its database or a service it needs, or (for a request with a body) is"
                        + " handling as many request bodies as it may at once, of all callers or of this one; retry"
                        + " after Retry-After.");
        return answers;
    }
}
