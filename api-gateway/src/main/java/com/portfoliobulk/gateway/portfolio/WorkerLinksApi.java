package com.portfoliobulk.gateway.portfolio;

import java.util.Map;
import java.util.UUID;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.service.annotation.HttpExchange;
import org.springframework.web.service.annotation.PostExchange;
import tools.jackson.databind.JsonNode;

/**
 * The bulk-worker's internal account link API; each call carries the Owner who asked for it
 * ({@code {"userId": ..., "email": ...}}), for the activity entry.
 */
@HttpExchange(
        url = "/internal/portfolios/{portfolioId}",
        contentType = MediaType.APPLICATION_JSON_VALUE,
        accept = {MediaType.APPLICATION_JSON_VALUE, MediaType.APPLICATION_PROBLEM_JSON_VALUE})
interface WorkerLinksApi {

    /** Links the account; {@code {"linked": false}} when it was linked to this portfolio already; 404, 409. */
    @PostExchange("/accounts/{accountId}/link")
    JsonNode link(@PathVariable UUID portfolioId, @PathVariable UUID accountId, @RequestBody Map<String, ?> owner);

    /** Unlinks the account; 404 when it is not linked to this portfolio. */
    @PostExchange("/accounts/{accountId}/unlink")
    JsonNode unlink(@PathVariable UUID portfolioId, @PathVariable UUID accountId, @RequestBody Map<String, ?> owner);

    /**
     * Unlinks accounts of the portfolio, starting no batch of them once {@code budgetMillis} have passed;
     * {@code {"unlinked": n, "more": true}} while some may be linked still. A worker of a version before
     * it ignores the budget, unlinks them all and answers {@code {"unlinked": n}}.
     */
    @PostExchange("/unlink-all")
    JsonNode unlinkAll(
            @PathVariable UUID portfolioId, @RequestParam long budgetMillis, @RequestBody Map<String, ?> owner);
}
