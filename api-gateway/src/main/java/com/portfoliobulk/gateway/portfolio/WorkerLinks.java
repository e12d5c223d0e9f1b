package com.portfoliobulk.gateway.portfolio;

import com.portfoliobulk.gateway.security.Caller;
import com.portfoliobulk.gateway.web.InternalService;
import com.portfoliobulk.gateway.web.InternalServices;
import java.net.URI;
import java.util.Map;
import java.util.UUID;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;
import org.springframework.web.client.HttpClientErrorException;

/**
 * Links and unlinks accounts through the bulk-worker's internal API, because only the worker writes
 * the account directory (and records each link change in the account's activity log). An
 * unreachable or failing worker is a 503 with {@code Retry-After}; a worker that did not answer in
 * time may have made the change all the same.
 */
@Component
class WorkerLinks {

    enum Outcome {
        LINKED,
        ALREADY_LINKED,
        UNLINKED,
        NOT_FOUND,
        IN_ANOTHER_PORTFOLIO,
        /** The portfolio is closed (or not in the account directory): nothing can be linked to it. */
        PORTFOLIO_GONE
    }

    private final InternalService<WorkerLinksApi> worker;

    WorkerLinks(
            @Value("${bulk.gateway.worker-base-url:http://localhost:8081}") URI workerBaseUrl,
            InternalServices services) {
        this.worker = services.connect(
                workerBaseUrl, WorkerLinksApi.class, "Accounts cannot be linked or unlinked right now");
    }

    Outcome link(UUID portfolioId, UUID accountId, Caller owner) {
        return worker.call(api -> {
            try {
                return api.link(portfolioId, accountId, actor(owner))
                                .path("linked")
                                .asBoolean()
                        ? Outcome.LINKED
                        : Outcome.ALREADY_LINKED;
            } catch (HttpClientErrorException refused) {
                return switch (refused.getStatusCode().value()) {
                    case 404 -> Outcome.NOT_FOUND;
                    case 409 -> Outcome.IN_ANOTHER_PORTFOLIO;
                    case 410 -> Outcome.PORTFOLIO_GONE;
                    default -> throw worker.unavailable(refused);
                };
            }
        });
    }

    Outcome unlink(UUID portfolioId, UUID accountId, Caller owner) {
        return worker.call(api -> {
            try {
                api.unlink(portfolioId, accountId, actor(owner));
                return Outcome.UNLINKED;
            } catch (HttpClientErrorException refused) {
                if (refused.getStatusCode().value() == 404) {
                    return Outcome.NOT_FOUND;
                }
                throw worker.unavailable(refused);
            }
        });
    }

    /** How many accounts the worker unlinked. */
    long unlinkAll(UUID portfolioId, Caller owner) {
        return worker.call(
                api -> api.unlinkAll(portfolioId, actor(owner)).path("unlinked").asLong());
    }

    private static Map<String, Object> actor(Caller owner) {
        return Map.of("userId", owner.userId(), "email", owner.email());
    }
}
