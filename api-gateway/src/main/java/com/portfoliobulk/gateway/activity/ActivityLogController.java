package com.portfoliobulk.gateway.activity;

import com.portfoliobulk.contracts.ActivityLogPageRequest;
import com.portfoliobulk.gateway.directory.LinkedAccounts;
import com.portfoliobulk.gateway.security.PortfolioAccess;
import com.portfoliobulk.gateway.web.FieldProblem;
import com.portfoliobulk.gateway.web.InvalidParameterException;
import com.portfoliobulk.gateway.web.NotFoundException;
import com.portfoliobulk.gateway.web.PageParameters;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.ExampleObject;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.util.UUID;
import org.springdoc.core.annotations.ParameterObject;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * The public activity log of an account: checks the caller may read the portfolio and that the
 * account is linked to it, then forwards to the audit-consumer, which owns the log.
 */
@RestController
@Tag(name = "Activity log", description = "What was changed from the portfolio level in each account")
class ActivityLogController {

    private final PortfolioAccess access;

    private final LinkedAccounts accounts;

    private final AuditLogClient auditLog;

    ActivityLogController(PortfolioAccess access, LinkedAccounts accounts, AuditLogClient auditLog) {
        this.access = access;
        this.accounts = accounts;
        this.auditLog = auditLog;
    }

    @Operation(
            summary = "Read an account's activity log",
            description = "The changes applied to the account from the portfolio level, newest first: one entry"
                    + " per applied invitation, role change or removal, with who requested it and in which job."
                    + " Cursor-paged; follow nextCursor until it is null.")
    @ApiResponse(
            responseCode = "200",
            description = "One page of entries",
            content =
                    @Content(
                            mediaType = MediaType.APPLICATION_JSON_VALUE,
                            schema = @Schema(implementation = ActivityLogSchemas.Page.class),
                            examples = @ExampleObject(ActivityLogSchemas.PAGE_EXAMPLE)))
    @ApiResponse(responseCode = "400", description = "A parameter is not valid; errors names each")
    @ApiResponse(responseCode = "401", description = "No valid bearer token")
    @ApiResponse(responseCode = "403", description = "The caller has no access to the portfolio's user management")
    @ApiResponse(responseCode = "404", description = "The account is not, and was not, linked to the portfolio")
    @ApiResponse(
            responseCode = "503",
            description = "The activity log cannot be read right now; try again after Retry-After seconds")
    @GetMapping(
            path = "/api/v1/portfolios/{portfolioId}/accounts/{accountId}/activity-log",
            produces = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<byte[]> activityLog(
            @Parameter(example = ActivityLogSchemas.EXAMPLE_PORTFOLIO_ID) @PathVariable UUID portfolioId,
            @Parameter(example = ActivityLogSchemas.EXAMPLE_ACCOUNT_ID) @PathVariable UUID accountId,
            @Parameter(
                            description = "RFC 3339 date-time: only entries that occurred at or after it",
                            example = "2026-01-31T09:30:00Z")
                    @RequestParam(required = false)
                    String since,
            @ParameterObject PageParameters page) {
        access.requireView(portfolioId);
        // Read here too, so that a bad since, limit or cursor gets the same 400 as on every other list,
        // and not a 503 while the audit-consumer is away; one answer names each, as the audit-consumer's.
        try {
            ActivityLogPageRequest.read(portfolioId, accountId, since, page.limit(), page.cursor());
        } catch (ActivityLogPageRequest.Invalid ex) {
            throw new InvalidParameterException(ex.problems().entrySet().stream()
                    .map(problem -> new FieldProblem(problem.getKey(), problem.getValue()))
                    .toList());
        }
        // An account the portfolio unlinked keeps the portfolio's entries (the unlink's the last), which
        // only this portfolio reads.
        if (!accounts.isOrWasLinked(portfolioId, accountId)) {
            throw new NotFoundException("Account " + accountId + " is not, and was not, linked to this portfolio.");
        }
        return auditLog.page(portfolioId, accountId, since, page.limit(), page.cursor());
    }
}
