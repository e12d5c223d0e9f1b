package com.portfoliobulk.gateway.portfolio;

import com.portfoliobulk.gateway.security.Caller;
import com.portfoliobulk.gateway.web.InternalService;
import com.portfoliobulk.gateway.web.InternalServiceUrls;
import com.portfoliobulk.gateway.web.InternalServices;
import com.portfoliobulk.gateway.web.RequestRefusedException;
import com.portfoliobulk.servicesupport.settings.InvalidSettingException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;
import org.springframework.web.client.HttpClientErrorException;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

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

    /** The longest {@code bulk.gateway.close.unlink-call-budget} may be: well within the 5 s the gateway waits. */
    static final Duration MAX_UNLINK_CALL_BUDGET = Duration.ofSeconds(4);

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final InternalService<WorkerLinksApi> worker;

    private final Duration unlinkCallBudget;

    WorkerLinks(
            InternalServiceUrls urls,
            @Value("${bulk.gateway.close.unlink-call-budget:2s}") Duration unlinkCallBudget,
            InternalServices services) {
        if (unlinkCallBudget.compareTo(Duration.ofMillis(1)) < 0
                || unlinkCallBudget.compareTo(MAX_UNLINK_CALL_BUDGET) > 0) {
            throw new InvalidSettingException(
                    "bulk.gateway.close.unlink-call-budget",
                    "bulk.gateway.close.unlink-call-budget must be from 1ms to " + MAX_UNLINK_CALL_BUDGET.toSeconds()
                            + "s (the gateway waits 5 s for each answer of the worker), not " + unlinkCallBudget,
                    "Set bulk.gateway.close.unlink-call-budget from 1ms to " + MAX_UNLINK_CALL_BUDGET.toSeconds()
                            + "s, or leave it unset (2s).");
        }
        this.unlinkCallBudget = unlinkCallBudget;
        this.worker = services.connect(
                InternalServices.Callee.BULK_WORKER,
                urls.worker(),
                WorkerLinksApi.class,
                "Accounts cannot be linked or unlinked right now");
    }

    /**
     * Links the account to the portfolio.
     *
     * @throws RequestRefusedException 409 when the account's memberships hold account roles the portfolio
     *     does not define, naming each with how many memberships hold it: the worker linked nothing
     */
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
                    case 409 -> {
                        JsonNode undefined = problem(refused).path("undefinedRoles");
                        if (!undefined.isEmpty()) {
                            throw undefinedRoles(accountId, undefined);
                        }
                        yield Outcome.IN_ANOTHER_PORTFOLIO;
                    }
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

    /**
     * Unlinks every account of the portfolio; how many accounts the worker unlinked. One call after the
     * other, in each of which the worker starts no batch of accounts once {@code
     * bulk.gateway.close.unlink-call-budget} has passed, until it says none is left ({@code "more": false}, or no {@code "more"} at all: a worker of
     * a version before it unlinks them all in one call). In one call, the unlinking of a large portfolio
     * (5,000 accounts with 200 pending invitations each: 11 s) outlasted the 5 s the gateway waits for
     * an answer, and the close answered 503 each time it was sent, while the worker went on.
     */
    long unlinkAll(UUID portfolioId, Caller owner) {
        long unlinked = 0;
        while (true) {
            JsonNode answer = worker.call(api -> api.unlinkAll(portfolioId, unlinkCallBudget.toMillis(), actor(owner)));
            unlinked += answer.path("unlinked").asLong();
            if (!answer.path("more").asBoolean(false)) {
                return unlinked;
            }
        }
    }

    /** The worker's problem, or an empty object when its body is not JSON. */
    private static JsonNode problem(HttpClientErrorException refused) {
        try {
            return JSON.readTree(refused.getResponseBodyAsString());
        } catch (JacksonException notJson) {
            return JSON.createObjectNode();
        }
    }

    /**
     * 409: the account's memberships hold account roles the portfolio does not define ({@code
     * undefinedRoles} of the worker's answer: each code with how many memberships hold it).
     */
    private static RequestRefusedException undefinedRoles(UUID accountId, JsonNode undefined) {
        List<String> roles = new ArrayList<>();
        for (JsonNode role : undefined) {
            long memberships = role.path("memberships").asLong();
            roles.add(role.path("code").asString() + " (held by " + memberships + " membership"
                    + (memberships == 1 ? "" : "s") + ")");
        }
        return AdminProblems.conflict(
                "Account roles not defined",
                "Account " + accountId + " was not linked: its users hold account roles this portfolio does not"
                        + " define: " + String.join(", ", roles) + ". Define these custom account roles in the"
                        + " portfolio first, or have the account's users' roles changed before linking.");
    }

    private static Map<String, Object> actor(Caller owner) {
        return Map.of("userId", owner.userId(), "email", owner.email());
    }
}
