package com.portfoliobulk.gateway.portfolio;

import com.portfoliobulk.gateway.security.Caller;
import com.portfoliobulk.gateway.web.InternalClients;
import com.portfoliobulk.gateway.web.InternalService;
import java.net.URI;
import java.util.Map;
import java.util.UUID;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.util.UriComponentsBuilder;
import tools.jackson.databind.JsonNode;

/**
 * Links and unlinks accounts through the bulk-worker's internal API, because only the worker writes
 * the account directory (and records each link change in the account's activity log). An
 * unreachable or failing worker is a 503 with {@code Retry-After}; nothing changed then.
 */
@Component
class WorkerLinks {

    enum Outcome {
        LINKED,
        ALREADY_LINKED,
        UNLINKED,
        NOT_FOUND,
        IN_ANOTHER_PORTFOLIO
    }

    private final InternalService worker;

    WorkerLinks(
            @Value("${bulk.gateway.worker-base-url:http://localhost:8081}") URI workerBaseUrl,
            InternalClients clients) {
        this.worker = clients.service(workerBaseUrl, "Accounts cannot be linked or unlinked right now");
    }

    Outcome link(UUID portfolioId, UUID accountId, Caller owner) {
        return post(
                "/internal/portfolios/{p}/accounts/{a}/link",
                owner,
                portfolioId,
                accountId,
                (status, body) -> switch (status) {
                    case 200 -> body.path("linked").asBoolean() ? Outcome.LINKED : Outcome.ALREADY_LINKED;
                    case 404 -> Outcome.NOT_FOUND;
                    case 409 -> Outcome.IN_ANOTHER_PORTFOLIO;
                    default -> null;
                });
    }

    Outcome unlink(UUID portfolioId, UUID accountId, Caller owner) {
        return post(
                "/internal/portfolios/{p}/accounts/{a}/unlink",
                owner,
                portfolioId,
                accountId,
                (status, body) -> switch (status) {
                    case 200 -> Outcome.UNLINKED;
                    case 404 -> Outcome.NOT_FOUND;
                    default -> null;
                });
    }

    /** How many accounts the worker unlinked. */
    long unlinkAll(UUID portfolioId, Caller owner) {
        Long unlinked = post(
                "/internal/portfolios/{p}/unlink-all",
                owner,
                portfolioId,
                null,
                (status, body) -> status == 200 ? body.path("unlinked").asLong() : null);
        return unlinked;
    }

    private interface Reading<T> {
        T read(int status, JsonNode body);
    }

    private <T> T post(String path, Caller owner, UUID portfolioId, UUID accountId, Reading<T> reading) {
        URI uri = UriComponentsBuilder.fromUri(worker.baseUrl())
                .path(path)
                .buildAndExpand(accountId == null ? Map.of("p", portfolioId) : Map.of("p", portfolioId, "a", accountId))
                .encode()
                .toUri();
        return worker.call(http -> http.post()
                .uri(uri)
                .contentType(MediaType.APPLICATION_JSON)
                .accept(MediaType.APPLICATION_JSON, MediaType.APPLICATION_PROBLEM_JSON)
                .body(Map.of("userId", owner.userId(), "email", owner.email()))
                .exchange((request, response) -> {
                    int status = response.getStatusCode().value();
                    JsonNode body = response.bodyTo(JsonNode.class);
                    T outcome = reading.read(status, body);
                    if (outcome == null) {
                        throw worker.unavailable(new IllegalStateException("The worker answered " + status));
                    }
                    return outcome;
                }));
    }
}
