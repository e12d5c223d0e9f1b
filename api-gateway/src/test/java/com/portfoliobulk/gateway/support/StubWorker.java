package com.portfoliobulk.gateway.support;

import com.portfoliobulk.contracts.ProblemTypes;
import com.portfoliobulk.servicesupport.web.InvalidParametersException;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Stands in for the bulk-worker's internal invitation API, in this JVM: the token's first word says
 * how it answers. {@code accepted-...}: 200 with a membership; {@code custom-...}: 200 with a membership
 * in the custom account role {@code REGIONAL_LEAD}; {@code mismatch-...}: 403;
 * {@code unknown-...}: 404; {@code expired-...}: 410; {@code failing-...}: 500; {@code dropped-...}:
 * closes the connection without an answer. It remembers the body it got for each token.
 *
 * <p>It also stands in for the worker's internal user provisioning ({@code POST /internal/users}):
 * the function given to {@link #provisionUsersWith} creates (or finds) the user and answers its id.
 * And for unlinking every account of a portfolio when it closes ({@code POST
 * /internal/portfolios/{id}/unlink-all}): it runs what {@link #duringUnlinkAll} was given, then
 * answers that no account was linked, without {@code more}, as a worker of a version before the close's
 * calls with a budget answers (the gateway takes it for the whole). And for linking and unlinking one account ({@code POST
 * /internal/portfolios/{id}/accounts/{accountId}/link} or {@code /unlink}): the function given to
 * {@link #changeLinksWith} makes the change and says how to answer. And for the audit-consumer's
 * activity log (see {@link #activityLog}).
 */
public final class StubWorker {

    /** The one entry of the activity log page the stub answers (see {@link #activityLogPage}). */
    public static final String ACTIVITY_LOG_ENTRY_ID = "0b7c2f0e-4a57-4a44-9d0c-1d2b8d1e6f10";

    /** The job of the first entry of the {@link #activityLogPage}. */
    public static final String ACTIVITY_LOG_JOB_ID = "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d";

    /** The cursor of the activity log page the stub answers: not the last page. */
    public static final String ACTIVITY_LOG_NEXT_CURSOR = "MjAyNi0xMS0yNFQxMDowMDowMS4xMjM0NTZafDBiN2MyZjBl";

    private static final StubWorker INSTANCE = start();

    private final HttpServer server;

    private final Map<String, String> bodies = new ConcurrentHashMap<>();

    private final Map<String, Map<String, String>> headers = new ConcurrentHashMap<>();

    private volatile String activityLogAuthorization;

    private static final Pattern EMAIL = Pattern.compile("\"email\"\\s*:\\s*\"([^\"]*)\"");

    private volatile Function<String, UUID> users = email -> null;

    private volatile Runnable duringUnlinkAll = () -> {};

    private static final Pattern LINK_CHANGE =
            Pattern.compile("^/internal/portfolios/([^/]+)/accounts/([^/]+)/(link|unlink)$");

    /** A link or an unlink of one account, as the gateway asks the worker for it. */
    public record LinkChange(UUID portfolioId, UUID accountId, boolean link) {}

    /**
     * The worker's answer to a link change: its status and JSON body; {@link #LOST} closes the
     * connection without one, as when the answer is lost on its way to the gateway.
     */
    public record LinkAnswer(int status, String body) {

        /** No answer: the connection closes, whatever the change did. */
        public static final LinkAnswer LOST = new LinkAnswer(0, "");
    }

    private volatile Function<LinkChange, LinkAnswer> links =
            change -> new LinkAnswer(404, problem(404, "not stubbed"));

    private StubWorker(HttpServer server) {
        this.server = server;
    }

    /** The one stub of this JVM, started on first use. */
    public static StubWorker get() {
        return INSTANCE;
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** How {@code POST /internal/users} creates or finds a user by address. */
    public void provisionUsersWith(Function<String, UUID> users) {
        this.users = users;
    }

    /** What happens while a closing portfolio's accounts are unlinked (nothing, unless given). */
    public void duringUnlinkAll(Runnable action) {
        this.duringUnlinkAll = action == null ? () -> {} : action;
    }

    /** How link and unlink requests are made and answered (404, unless given). */
    public void changeLinksWith(Function<LinkChange, LinkAnswer> links) {
        this.links = links == null ? change -> new LinkAnswer(404, problem(404, "not stubbed")) : links;
    }

    /** The body the stub got for the token, or {@code null} when it was not called with it. */
    public String bodyFor(String token) {
        return bodies.get(token);
    }

    /** The {@code Authorization} header of the last call of the activity log the stub got, or {@code null}. */
    public String activityLogAuthorization() {
        return activityLogAuthorization;
    }

    /** The headers (names in lower case, first values) the stub got for the token, or {@code null}. */
    public Map<String, String> headersFor(String token) {
        return headers.get(token);
    }

    private static StubWorker start() {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            StubWorker stub = new StubWorker(server);
            // Each request on a thread of its own, as the worker answers them: a link change held open by
            // a test does not hold up the gateway's other calls.
            server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
            server.createContext("/internal/invitations/", stub::handle);
            server.createContext("/internal/users", stub::provision);
            server.createContext("/internal/portfolios/", stub::unlinkAll);
            server.createContext("/api/v1/portfolios/", stub::activityLog);
            server.start();
            return stub;
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    private void handle(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        String token = path.substring("/internal/invitations/".length(), path.length() - "/accept".length());
        bodies.put(token, new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
        Map<String, String> received = new ConcurrentHashMap<>();
        exchange.getRequestHeaders()
                .forEach((name, values) -> received.put(name.toLowerCase(java.util.Locale.ROOT), values.getFirst()));
        headers.put(token, received);
        String outcome = token.substring(0, token.indexOf('-'));
        switch (outcome) {
            case "accepted" -> answer(exchange, 200, "application/json", """
                    {"accountId":"6f1d7e34-9c2a-4c1e-8f0b-2a6a3c9e7d21","role":"ANALYST","state":"ACTIVE"}""");
            case "custom" -> answer(exchange, 200, "application/json", """
                    {"accountId":"6f1d7e34-9c2a-4c1e-8f0b-2a6a3c9e7d21","role":"REGIONAL_LEAD","state":"ACTIVE"}""");
            case "mismatch" -> answer(exchange, 403, "application/problem+json", problem(403, "another address", path));
            case "unknown" -> answer(exchange, 404, "application/problem+json", problem(404, "no such token", path));
            case "expired" -> answer(exchange, 410, "application/problem+json", problem(410, "expired", path));
            case "failing" -> answer(exchange, 500, "application/problem+json", problem(500, "boom", path));
            default -> exchange.close();
        }
    }

    private void provision(HttpExchange exchange) throws IOException {
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        Matcher email = EMAIL.matcher(body);
        UUID userId = email.find() ? users.apply(email.group(1)) : null;
        if (userId == null) {
            answer(exchange, 400, "application/problem+json", problem(400, "no email"));
            return;
        }
        answer(
                exchange,
                201,
                "application/json",
                "{\"userId\":\"" + userId + "\",\"email\":\"" + email.group(1) + "\",\"created\":true}");
    }

    private void unlinkAll(HttpExchange exchange) throws IOException {
        exchange.getRequestBody().readAllBytes();
        Matcher change = LINK_CHANGE.matcher(exchange.getRequestURI().getPath());
        if (change.matches()) {
            LinkAnswer answer = links.apply(new LinkChange(
                    UUID.fromString(change.group(1)),
                    UUID.fromString(change.group(2)),
                    change.group(3).equals("link")));
            if (answer.status() == 0) {
                exchange.close();
                return;
            }
            answer(
                    exchange,
                    answer.status(),
                    answer.status() < 400 ? "application/json" : "application/problem+json",
                    answer.body());
            return;
        }
        if (!exchange.getRequestURI().getPath().endsWith("/unlink-all")) {
            answer(exchange, 404, "application/problem+json", problem(404, "not stubbed"));
            return;
        }
        duringUnlinkAll.run();
        answer(exchange, 200, "application/json", "{\"unlinked\":0}");
    }

    /**
     * The page the stub answers for the portfolio's activity log: three entries of that portfolio, a
     * job's, one of an invitation that expired, which no job made (its job id is the all-zero id), and
     * an account's link (no job id at all), and a next cursor, so that a gateway that dropped or rewrote any of it (an empty page, a last
     * page) is told from one that passed it on.
     */
    public static String activityLogPage(UUID portfolioId) {
        return """
                {"items":[{"entryId":"%s","occurredAt":"2026-11-24T10:00:01.123456Z","action":"ROLE_CHANGED",\
                "targetUser":{"userId":"5f1d7e34-9c2a-4c1e-8f0b-2a6a3c9e7d21","email":"ann@x.com"},\
                "previousRole":"ANALYST","newRole":"MANAGER","initiatedFrom":"PORTFOLIO",\
                "actor":{"userId":"c3a9e1b2-7d4f-4e8a-b5c6-0f1e2d3c4b5a","email":"admin@agency.com"},\
                "portfolioId":"%s","jobId":"%s",\
                "taskId":"9f8e7d6c-5b4a-4c3d-2e1f-0a9b8c7d6e5f",\
                "summary":"Role of ann@x.com changed from Analyst to Manager by admin@agency.com from the portfolio level"},\
                {"entryId":"2c6e0d1f-8b3a-4f5e-9a7d-3e4f5a6b7c8d","occurredAt":"2026-11-24T09:00:00Z",\
                "action":"INVITATION_EXPIRED",\
                "targetUser":{"userId":"7a1d7e34-9c2a-4c1e-8f0b-2a6a3c9e7d21","email":"bob@x.com"},\
                "newRole":"ANALYST","initiatedFrom":"PORTFOLIO",\
                "actor":{"userId":"00000000-0000-0000-0000-000000000000","email":""},\
                "portfolioId":"%s","jobId":"00000000-0000-0000-0000-000000000000",\
                "taskId":"4d5e6f70-8192-4a3b-8c4d-5e6f708192a3",\
                "summary":"Invitation of bob@x.com as Analyst expired"},\
                {"entryId":"3d7f1e2a-9c4b-4a6f-8b8e-4f5a6b7c8d9e","occurredAt":"2026-11-24T08:00:00Z",\
                "action":"ACCOUNT_LINKED","initiatedFrom":"PORTFOLIO",\
                "actor":{"userId":"c3a9e1b2-7d4f-4e8a-b5c6-0f1e2d3c4b5a","email":"admin@agency.com"},\
                "portfolioId":"%s","taskId":"5e6f7081-92a3-4b4c-9d5e-6f708192a3b4",\
                "summary":"Account linked to the portfolio by admin@agency.com"}],\
                "nextCursor":"%s"}""".formatted(
                        ACTIVITY_LOG_ENTRY_ID,
                        portfolioId,
                        ACTIVITY_LOG_JOB_ID,
                        portfolioId,
                        portfolioId,
                        ACTIVITY_LOG_NEXT_CURSOR);
    }

    /**
     * Stands in for the audit-consumer's read API: a {@code since} in the year 0400 or 0401 (a time the
     * gateway passes on) answers that status with a problem (400 naming {@code since}, 401 as for an
     * internal token it does not accept), any other the {@link #activityLogPage} of the path's portfolio.
     */
    private void activityLog(HttpExchange exchange) throws IOException {
        activityLogAuthorization = exchange.getRequestHeaders().getFirst("Authorization");
        String query = exchange.getRequestURI().getQuery() == null
                ? ""
                : exchange.getRequestURI().getQuery();
        Matcher refusal = Pattern.compile("since=0(40[01])-").matcher(query);
        if (!refusal.find()) {
            Matcher portfolio = Pattern.compile("^/api/v1/portfolios/([^/]+)/")
                    .matcher(exchange.getRequestURI().getPath());
            if (!portfolio.find()) {
                answer(exchange, 404, "application/problem+json", problem(404, "not stubbed"));
                return;
            }
            answer(exchange, 200, "application/json", activityLogPage(UUID.fromString(portfolio.group(1))));
            return;
        }
        // Problems as the audit-consumer words them (its service-support problem answers).
        String instance = exchange.getRequestURI().getPath();
        if (refusal.group(1).equals("401")) {
            answer(exchange, 401, "application/problem+json", """
                    {"type":"%s","title":"Unauthorized","status":401,\
                    "detail":"The internal token is invalid or expired.","instance":"%s"}""".formatted(ProblemTypes.forStatus(401), instance));
            return;
        }
        answer(exchange, 400, "application/problem+json", """
                {"type":"%s","title":"%s","status":400,"detail":"'since' must be an RFC 3339 time.",\
                "instance":"%s","errors":[{"field":"since","message":"must be an RFC 3339 time"}]}""".formatted(
                        ProblemTypes.forStatus(400), InvalidParametersException.TITLE, instance));
    }

    private static String problem(int status, String detail) {
        return "{\"status\":" + status + ",\"detail\":\"" + detail + "\"}";
    }

    /** A problem naming the request's path as its {@code instance}, as the worker's problems do. */
    private static String problem(int status, String detail, String instance) {
        return "{\"status\":" + status + ",\"detail\":\"" + detail + "\",\"instance\":\"" + instance + "\"}";
    }

    private static void answer(HttpExchange exchange, int status, String contentType, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }
}
