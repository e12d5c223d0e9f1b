package com.portfoliobulk.gateway.console;

import com.portfoliobulk.gateway.web.HeldBodies;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;
import java.util.function.Supplier;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.web.server.context.WebServerInitializedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.http.client.JdkClientHttpRequestFactory;
import org.springframework.stereotype.Component;
import org.springframework.util.StringUtils;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.RestClientResponseException;
import org.springframework.web.context.WebApplicationContext;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.context.request.ServletRequestAttributes;
import org.springframework.web.util.UriBuilder;
import tools.jackson.databind.json.JsonMapper;

/**
 * The gateway's public API as the console calls it: over HTTP, with the signed-in administrator's
 * bearer token, so every page sees exactly what the API answers that administrator (permissions,
 * validation, paging, previews, idempotent submission, rate limits). Answers are plain maps for the
 * templates; an error answer becomes an {@link ApiProblem}.
 */
@Component
class GatewayApi {

    private static final ParameterizedTypeReference<Map<String, Object>> JSON = new ParameterizedTypeReference<>() {};

    private static final MediaType CSV = new MediaType("text", "csv");

    private static final String PORTFOLIOS = "/api/v1/portfolios/{portfolioId}";

    private final ConsoleProperties properties;

    private final JsonMapper json;

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /**
     * How long a download may stream: the gateway's own limit for a streamed answer, which the API's
     * download has too, since the console reads it only as fast as the administrator's browser does.
     */
    private final Duration streamingTimeout;

    private volatile Clients clients;

    GatewayApi(
            ConsoleProperties properties,
            JsonMapper json,
            @Value("${bulk.gateway.web.streaming-timeout:10m}") Duration streamingTimeout) {
        this.properties = properties;
        this.json = json;
        this.streamingTimeout = streamingTimeout;
        if (StringUtils.hasText(properties.apiBaseUrl())) {
            this.clients = clients(properties.apiBaseUrl());
        }
    }

    /**
     * Without a configured base URL, the console calls this gateway once it listens, under the path its
     * servlet context is served at ({@code server.servlet.context-path}).
     */
    @EventListener
    void onStarted(WebServerInitializedEvent event) {
        if (!StringUtils.hasText(properties.apiBaseUrl())
                && event.getApplicationContext().getServerNamespace() == null) {
            clients = clients(ownUrl(
                    event.getApplicationContext().getEnvironment().getProperty("server.address"),
                    event.getWebServer().getPort(),
                    contextPath(event.getApplicationContext())));
        }
    }

    /** The path the gateway's servlet context is served at: empty at the root, else e.g. {@code /bulk}. */
    private static String contextPath(Object context) {
        if (context instanceof WebApplicationContext web && web.getServletContext() != null) {
            return web.getServletContext().getContextPath();
        }
        return "";
    }

    /**
     * Where this gateway answers itself: on loopback when it listens on every interface, otherwise at
     * the one address {@code server.address} names, since a gateway bound to another interface has
     * nothing listening on loopback; under {@code contextPath}, the path its servlet context is served at.
     */
    static String ownUrl(String serverAddress, int port, String contextPath) {
        return origin(serverAddress, port) + (contextPath == null ? "" : contextPath);
    }

    private static String origin(String serverAddress, int port) {
        if (!StringUtils.hasText(serverAddress)) {
            return "http://localhost:" + port;
        }
        InetAddress address;
        try {
            address = InetAddress.getByName(serverAddress.strip());
        } catch (UnknownHostException ex) {
            throw new IllegalStateException("server.address " + serverAddress + " is not an address of this host", ex);
        }
        if (address.isAnyLocalAddress()) {
            return "http://localhost:" + port;
        }
        String host = address.getHostAddress();
        return "http://" + (address instanceof Inet6Address ? "[" + host + "]" : host) + ":" + port;
    }

    private Clients clients(String baseUrl) {
        return new Clients(client(baseUrl, properties.apiReadTimeout()), client(baseUrl, streamingTimeout));
    }

    /**
     * A client whose answers may take {@code readTimeout} in all: the JDK client's timeout closes an
     * answer's body once it has passed, even while the body is being read.
     */
    private RestClient client(String baseUrl, Duration readTimeout) {
        JdkClientHttpRequestFactory requests = new JdkClientHttpRequestFactory(http);
        requests.setReadTimeout(readTimeout);
        return RestClient.builder().baseUrl(baseUrl).requestFactory(requests).build();
    }

    /**
     * The API's clients: one for the calls that answer a page, one for downloads, which stream through
     * to the browser for as long as it takes to read them.
     */
    private record Clients(RestClient calls, RestClient downloads) {}

    Map<String, Object> accounts(ConsoleUser user, UUID portfolioId, String q, int limit, String cursor) {
        return get(user, "/accounts", Map.of("portfolioId", portfolioId), query("q", q, "cursor", cursor), limit);
    }

    Map<String, Object> users(
            ConsoleUser user, UUID portfolioId, String q, String role, String accountId, int limit, String cursor) {
        return get(
                user,
                "/users",
                Map.of("portfolioId", portfolioId),
                query("q", q, "role", role, "accountId", accountId, "cursor", cursor),
                limit);
    }

    /**
     * A user's profile with one page of accounts: with {@code access} {@code MEMBERSHIP} only those
     * where the user has a membership, without it every linked account.
     */
    Map<String, Object> profile(
            ConsoleUser user, UUID portfolioId, UUID userId, String access, int limit, String cursor) {
        return get(
                user,
                "/users/{userId}",
                Map.of("portfolioId", portfolioId, "userId", userId),
                query("access", access, "cursor", cursor),
                limit);
    }

    Map<String, Object> preview(ConsoleUser user, UUID portfolioId, String request, int limit, String cursor) {
        formForwarded();
        return call(() -> client().post()
                .uri(uri("/bulk-jobs/preview", Map.of("portfolioId", portfolioId), query("cursor", cursor), limit))
                .headers(headers -> authorize(headers, user))
                .contentType(MediaType.APPLICATION_JSON)
                .body(request)
                .retrieve()
                .body(JSON));
    }

    /**
     * Submits the job; the same key and request again answer the same job (the API's idempotency),
     * marked replayed ({@code Idempotent-Replayed: true}).
     */
    Submitted submit(ConsoleUser user, UUID portfolioId, String request, String idempotencyKey) {
        formForwarded();
        ResponseEntity<Map<String, Object>> answer = call(() -> client().post()
                .uri(PORTFOLIOS + "/bulk-jobs", portfolioId)
                .headers(headers -> authorize(headers, user))
                .header("Idempotency-Key", idempotencyKey)
                .contentType(MediaType.APPLICATION_JSON)
                .body(request)
                .retrieve()
                .toEntity(JSON));
        Map<String, Object> job = answer.getBody();
        return new Submitted(
                String.valueOf(job == null ? null : job.get("jobId")),
                "true".equalsIgnoreCase(answer.getHeaders().getFirst("Idempotent-Replayed")));
    }

    /**
     * The console's form being handled is sent on to the API, as the body of the API request about to be
     * made, which takes its own share of the request bodies' budget: the form gives its share back now
     * ({@link HeldBodies#forwarded}), so that a large list is not counted twice, once as the form and once
     * as the API's body. Before, a Confirm of a list held twice its size, and a few at once could hold the
     * whole budget with their forms while their API calls waited for it, each answered 503.
     */
    private static void formForwarded() {
        if (RequestContextHolder.getRequestAttributes() instanceof ServletRequestAttributes current) {
            HeldBodies.forwarded(current.getRequest());
        }
    }

    /**
     * The API's answer to a submission.
     *
     * @param jobId the job's id
     * @param replayed whether an earlier submission with the same key and request made the job
     */
    record Submitted(String jobId, boolean replayed) {}

    Map<String, Object> jobs(ConsoleUser user, UUID portfolioId, String status, String type, int limit, String cursor) {
        return get(
                user,
                "/bulk-jobs",
                Map.of("portfolioId", portfolioId),
                query("status", status, "type", type, "cursor", cursor),
                limit);
    }

    /**
     * The job, or empty when {@code ifNoneMatch} is still its current tag (the API's {@code 304}).
     * The answer's {@code ETag} comes along so the console can hand it on.
     */
    Optional<ResponseEntity<Map<String, Object>>> job(
            ConsoleUser user, UUID portfolioId, UUID jobId, String ifNoneMatch) {
        ResponseEntity<Map<String, Object>> answer = call(() -> client().get()
                .uri(PORTFOLIOS + "/bulk-jobs/{jobId}", portfolioId, jobId)
                .headers(headers -> {
                    authorize(headers, user);
                    if (StringUtils.hasText(ifNoneMatch)) {
                        headers.set(HttpHeaders.IF_NONE_MATCH, ifNoneMatch);
                    }
                })
                .retrieve()
                .toEntity(JSON));
        return answer.getStatusCode().value() == 304 ? Optional.empty() : Optional.of(answer);
    }

    Map<String, Object> tasks(
            ConsoleUser user, UUID portfolioId, UUID jobId, String status, String reason, int limit, String cursor) {
        return get(
                user,
                "/bulk-jobs/{jobId}/tasks",
                Map.of("portfolioId", portfolioId, "jobId", jobId),
                query("status", status, "reason", reason, "cursor", cursor),
                limit);
    }

    /**
     * Streams the job's task CSV from the API, never holding it whole. {@code download} is opened
     * only once the API has accepted the request and answers CSV, so that a refusal can still be
     * shown as a page: it becomes an {@link ApiProblem} before anything is written. It is read as fast
     * as the browser reads the download, so it has the streaming timeout, not that of an API call.
     */
    void tasksCsv(ConsoleUser user, UUID portfolioId, UUID jobId, String status, String reason, Download download) {
        call(() -> clients()
                .downloads()
                .get()
                .uri(uri(
                        "/bulk-jobs/{jobId}/tasks",
                        Map.of("portfolioId", portfolioId, "jobId", jobId),
                        query("status", status, "reason", reason),
                        0))
                .headers(headers -> authorize(headers, user))
                .accept(CSV)
                .exchange((request, response) -> {
                    if (!response.getStatusCode().is2xxSuccessful()) {
                        throw problem(
                                response.getStatusCode(), response.getBody().readAllBytes());
                    }
                    MediaType type = response.getHeaders().getContentType();
                    if (type == null || !CSV.isCompatibleWith(type)) {
                        throw new ApiProblem(
                                HttpStatus.BAD_GATEWAY.value(),
                                Map.of(
                                        "title",
                                        "The download did not arrive",
                                        "detail",
                                        "The API answered " + (type == null ? "no content type" : type)
                                                + " instead of CSV."));
                    }
                    try (InputStream body = response.getBody()) {
                        OutputStream browser = download.open();
                        byte[] buffer = new byte[8192];
                        for (int read = body.read(buffer); read >= 0; read = body.read(buffer)) {
                            try {
                                browser.write(buffer, 0, read);
                            } catch (IOException browserGone) {
                                // Unchecked, so that the RestClient does not report it as the API's failure
                                // (a ResourceAccessException, the console's "Try again in a moment").
                                throw new UncheckedIOException(browserGone);
                            }
                        }
                    }
                    return null;
                }));
    }

    /**
     * Where a download is written, opened only when there is one to write. A write that fails (the
     * browser went away: {@link com.portfoliobulk.servicesupport.web.DisconnectedClients}) ends the download
     * with an {@link UncheckedIOException}, not as a failure of the API's call.
     */
    @FunctionalInterface
    interface Download {

        OutputStream open() throws IOException;
    }

    /** The cancelled job, with its {@code ETag}: the version the cancellation wrote. */
    ResponseEntity<Map<String, Object>> cancel(ConsoleUser user, UUID portfolioId, UUID jobId) {
        return call(() -> client().post()
                .uri(PORTFOLIOS + "/bulk-jobs/{jobId}/cancel", portfolioId, jobId)
                .headers(headers -> authorize(headers, user))
                .retrieve()
                .toEntity(JSON));
    }

    Map<String, Object> activityLog(ConsoleUser user, UUID portfolioId, UUID accountId, int limit, String cursor) {
        return get(
                user,
                "/accounts/{accountId}/activity-log",
                Map.of("portfolioId", portfolioId, "accountId", accountId),
                query("cursor", cursor),
                limit);
    }

    Map<String, Object> portfolioUsers(ConsoleUser user, UUID portfolioId, int limit, String cursor) {
        return get(user, "/portfolio-users", Map.of("portfolioId", portfolioId), query("cursor", cursor), limit);
    }

    Map<String, Object> portfolioRoles(ConsoleUser user, UUID portfolioId, int limit) {
        return get(user, "/portfolio-roles", Map.of("portfolioId", portfolioId), Map.of(), limit);
    }

    Map<String, Object> accountRoles(ConsoleUser user, UUID portfolioId, int limit, String cursor) {
        return get(user, "/account-roles", Map.of("portfolioId", portfolioId), query("cursor", cursor), limit);
    }

    Map<String, Object> ownerTransfer(ConsoleUser user, UUID portfolioId) {
        return get(user, "/owner-transfer", Map.of("portfolioId", portfolioId), Map.of(), 0);
    }

    Map<String, Object> adminLog(ConsoleUser user, UUID portfolioId, int limit, String cursor) {
        return get(user, "/admin-log", Map.of("portfolioId", portfolioId), query("cursor", cursor), limit);
    }

    /** Changes a portfolio user's portfolio role (the API checks who may give which role). */
    Map<String, Object> changePortfolioRole(ConsoleUser user, UUID portfolioId, UUID userId, String role) {
        return call(() -> client().put()
                .uri(PORTFOLIOS + "/portfolio-users/{userId}/role", portfolioId, userId)
                .headers(headers -> authorize(headers, user))
                .contentType(MediaType.APPLICATION_JSON)
                .body(json(Map.of("role", role == null ? "" : role.strip())))
                .retrieve()
                .body(JSON));
    }

    /** The portfolio's SCIM tokens that are not revoked, newest first, without their secrets (Owner only). */
    Map<String, Object> scimTokens(ConsoleUser user, UUID portfolioId, int limit, String cursor) {
        return get(user, "/scim-tokens", Map.of("portfolioId", portfolioId), query("cursor", cursor), limit);
    }

    /**
     * Creates a SCIM token; the answer carries the token and the SCIM base URL, shown this once. With an
     * {@code idempotencyKey}, the request sent again creates no second token: the API refuses it (409)
     * naming the token the key created.
     */
    Map<String, Object> createScimToken(ConsoleUser user, UUID portfolioId, String name, String idempotencyKey) {
        return call(() -> client().post()
                .uri(PORTFOLIOS + "/scim-tokens", portfolioId)
                .headers(headers -> {
                    authorize(headers, user);
                    idempotencyKey(headers, idempotencyKey);
                })
                .contentType(MediaType.APPLICATION_JSON)
                .body(json(Map.of("name", name == null ? "" : name)))
                .retrieve()
                .body(JSON));
    }

    /** One SCIM token that is not revoked, without its secret (Owner only); 404 once it is revoked. */
    Map<String, Object> scimToken(ConsoleUser user, UUID portfolioId, UUID tokenId) {
        return get(user, "/scim-tokens/{tokenId}", Map.of("portfolioId", portfolioId, "tokenId", tokenId), Map.of(), 0);
    }

    void revokeScimToken(ConsoleUser user, UUID portfolioId, UUID tokenId) {
        call(() -> client().delete()
                .uri(PORTFOLIOS + "/scim-tokens/{tokenId}", portfolioId, tokenId)
                .headers(headers -> authorize(headers, user))
                .retrieve()
                .toBodilessEntity());
    }

    /** The portfolio's webhook subscriptions, oldest first, without their secrets. */
    Map<String, Object> webhooks(ConsoleUser user, UUID portfolioId, int limit, String cursor) {
        return get(user, "/webhooks", Map.of("portfolioId", portfolioId), query("cursor", cursor), limit);
    }

    Map<String, Object> webhook(ConsoleUser user, UUID portfolioId, UUID subscriptionId) {
        return get(
                user,
                "/webhooks/{subscriptionId}",
                Map.of("portfolioId", portfolioId, "subscriptionId", subscriptionId),
                Map.of(),
                0);
    }

    /**
     * Subscribes the URL to the event types (and the progress interval, when one is given); the answer
     * carries the signing secret, shown this once. The API validates all of it. With an {@code
     * idempotencyKey}, the request sent again subscribes nothing more: the API answers the subscription
     * the key created, with its secret.
     */
    Map<String, Object> createWebhook(
            ConsoleUser user,
            UUID portfolioId,
            String url,
            List<String> eventTypes,
            String progressIntervalSeconds,
            String idempotencyKey) {
        Map<String, Object> request = new LinkedHashMap<>();
        request.put("url", url == null ? "" : url.strip());
        request.put("eventTypes", eventTypes);
        if (StringUtils.hasText(progressIntervalSeconds)) {
            // A whole number as such; anything else as typed, for the API to refuse in its words.
            String interval = progressIntervalSeconds.strip();
            request.put(
                    "progressIntervalSeconds", interval.matches("-?\\d{1,9}") ? Integer.valueOf(interval) : interval);
        }
        return call(() -> client().post()
                .uri(PORTFOLIOS + "/webhooks", portfolioId)
                .headers(headers -> {
                    authorize(headers, user);
                    idempotencyKey(headers, idempotencyKey);
                })
                .contentType(MediaType.APPLICATION_JSON)
                .body(json(request))
                .retrieve()
                .body(JSON));
    }

    /**
     * One of a subscription's actions without a body: {@code disable}, {@code enable} or
     * {@code rotate-secret} (whose answer carries the new secret, shown this once).
     */
    Map<String, Object> webhookAction(ConsoleUser user, UUID portfolioId, UUID subscriptionId, String action) {
        return call(() -> client().post()
                .uri(PORTFOLIOS + "/webhooks/{subscriptionId}/" + action, portfolioId, subscriptionId)
                .headers(headers -> authorize(headers, user))
                .retrieve()
                .body(JSON));
    }

    void deleteWebhook(ConsoleUser user, UUID portfolioId, UUID subscriptionId) {
        call(() -> client().delete()
                .uri(PORTFOLIOS + "/webhooks/{subscriptionId}", portfolioId, subscriptionId)
                .headers(headers -> authorize(headers, user))
                .retrieve()
                .toBodilessEntity());
    }

    /** A subscription's messages, newest first. */
    Map<String, Object> webhookDeliveries(
            ConsoleUser user, UUID portfolioId, UUID subscriptionId, int limit, String cursor) {
        return get(
                user,
                "/webhooks/{subscriptionId}/deliveries",
                Map.of("portfolioId", portfolioId, "subscriptionId", subscriptionId),
                query("cursor", cursor),
                limit);
    }

    Map<String, Object> redeliver(ConsoleUser user, UUID portfolioId, UUID subscriptionId, UUID deliveryId) {
        return call(() -> client().post()
                .uri(
                        PORTFOLIOS + "/webhooks/{subscriptionId}/deliveries/{deliveryId}/redeliver",
                        portfolioId,
                        subscriptionId,
                        deliveryId)
                .headers(headers -> authorize(headers, user))
                .retrieve()
                .body(JSON));
    }

    /** Accepts the invitation as the signed-in person (the API checks it was sent to their address). */
    Map<String, Object> acceptInvitation(ConsoleUser user, String token) {
        return call(() -> client().post()
                .uri("/api/v1/invitations/{token}/accept", token)
                .headers(headers -> authorize(headers, user))
                .retrieve()
                .body(JSON));
    }

    private Map<String, Object> get(
            ConsoleUser user, String path, Map<String, Object> pathVariables, Map<String, String> query, int limit) {
        return call(() -> client().get()
                .uri(uri(path, pathVariables, query, limit))
                .headers(headers -> authorize(headers, user))
                .retrieve()
                .body(JSON));
    }

    /**
     * The URI of {@code path} under the portfolio with the non-empty query parameters as URI
     * variables, so that they are encoded strictly (a {@code +} in an e-mail address stays a plus).
     */
    private static Function<UriBuilder, URI> uri(
            String path, Map<String, Object> pathVariables, Map<String, String> query, int limit) {
        return builder -> {
            Map<String, Object> variables = new HashMap<>(pathVariables);
            UriBuilder uri = builder.path(PORTFOLIOS + path);
            query.forEach((name, value) -> {
                uri.queryParam(name, "{" + name + "}");
                variables.put(name, value);
            });
            if (limit > 0) {
                uri.queryParam("limit", limit);
            }
            return uri.build(variables);
        };
    }

    /** The given name-value pairs whose value is not blank. */
    private static Map<String, String> query(String... namesAndValues) {
        Map<String, String> query = new LinkedHashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            if (StringUtils.hasText(namesAndValues[i + 1])) {
                query.put(namesAndValues[i], namesAndValues[i + 1].strip());
            }
        }
        return query;
    }

    /**
     * A request body as JSON text, sent with its length: a body the client serializes itself is sent
     * chunked, which the gateway's body budget counts as the largest body allowed, so a one-line
     * change would wait behind large submissions as if it were one.
     */
    private String json(Map<String, ?> body) {
        return json.writeValueAsString(body);
    }

    /** The form's key as the request's {@code Idempotency-Key}; none for a form without one. */
    private static void idempotencyKey(HttpHeaders headers, String key) {
        if (StringUtils.hasText(key)) {
            headers.set("Idempotency-Key", key);
        }
    }

    private static void authorize(HttpHeaders headers, ConsoleUser user) {
        headers.setBearerAuth(user.bearerToken());
        headers.setAccept(List.of(MediaType.APPLICATION_JSON, MediaType.APPLICATION_PROBLEM_JSON));
    }

    private RestClient client() {
        return clients().calls();
    }

    private Clients clients() {
        Clients current = clients;
        if (current == null) {
            throw new IllegalStateException("The console has no API to call before the gateway listens");
        }
        return current;
    }

    private <T> T call(Supplier<T> request) {
        try {
            return request.get();
        } catch (RestClientResponseException ex) {
            throw problem(ex.getStatusCode(), ex.getResponseBodyAsByteArray());
        }
    }

    @SuppressWarnings("unchecked")
    private ApiProblem problem(HttpStatusCode status, byte[] body) {
        Map<String, Object> problem;
        try {
            problem = body.length == 0 ? Map.of() : json.readValue(body, Map.class);
        } catch (RuntimeException ex) {
            problem = Map.of();
        }
        return new ApiProblem(status.value(), problem);
    }
}
