package com.portfoliobulk.audit.api;

import com.portfoliobulk.contracts.paging.Page;
import java.util.UUID;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * The activity log read API. Internal: only the api-gateway calls it, with an internal token (see
 * {@code InternalApiAuthentication}; without one: 401), after it checked the caller's permission on the
 * portfolio and that the account is linked to it.
 */
@RestController
class ActivityLogController {

    private final ActivityLog activityLog;

    ActivityLogController(ActivityLog activityLog) {
        this.activityLog = activityLog;
    }

    /**
     * One page of the account's entries initiated from the portfolio, newest first.
     *
     * @param since RFC 3339 instant; only entries that occurred at or after it
     * @param limit page size, 1 to 500, default 50
     * @param cursor the {@code nextCursor} of the previous page
     */
    @GetMapping(
            path = "/api/v1/portfolios/{portfolioId}/accounts/{accountId}/activity-log",
            produces = MediaType.APPLICATION_JSON_VALUE)
    Page<ActivityLogEntry> activityLog(
            @PathVariable UUID portfolioId,
            @PathVariable UUID accountId,
            @RequestParam(required = false) String since,
            @RequestParam(required = false) String limit,
            @RequestParam(required = false) String cursor) {
        return activityLog.page(ActivityLogQuery.parse(portfolioId, accountId, since, limit, cursor));
    }
}
