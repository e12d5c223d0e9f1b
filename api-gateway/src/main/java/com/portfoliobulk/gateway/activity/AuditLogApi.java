package com.portfoliobulk.gateway.activity;

import java.util.UUID;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.service.annotation.GetExchange;

/** The audit-consumer's internal activity log API. */
interface AuditLogApi {

    /** One page of the account's log; the answer as it is (JSON page or problem). */
    @GetExchange(
            url = "/api/v1/portfolios/{portfolioId}/accounts/{accountId}/activity-log",
            accept = {MediaType.APPLICATION_JSON_VALUE, MediaType.APPLICATION_PROBLEM_JSON_VALUE})
    ResponseEntity<byte[]> page(
            @PathVariable UUID portfolioId,
            @PathVariable UUID accountId,
            @RequestParam(required = false) String since,
            @RequestParam(required = false) String limit,
            @RequestParam(required = false) String cursor);
}
