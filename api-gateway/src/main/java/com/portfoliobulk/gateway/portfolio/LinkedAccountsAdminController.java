package com.portfoliobulk.gateway.portfolio;

import com.portfoliobulk.gateway.portfolio.PortfolioClosure.Closed;
import com.portfoliobulk.gateway.portfolio.PortfolioClosure.ClosureToken;
import com.portfoliobulk.gateway.security.Caller;
import com.portfoliobulk.gateway.security.PortfolioAccess;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.util.Map;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/**
 * The Portfolio Owner links and unlinks accounts and closes the portfolio. Only the Owner; everyone
 * else gets 403.
 */
@Tag(name = "Portfolio administration")
@ApiResponse(responseCode = "403", description = "The caller is not the Portfolio Owner.")
@ApiResponse(
        responseCode = "503",
        description = "The bulk-worker, which writes the account directory, cannot be reached or did not answer in"
                + " time (a change it did not answer may be made all the same), or other link changes are under"
                + " way on this gateway (nothing was changed). Retry after Retry-After seconds: a repeated link or"
                + " unlink makes the change, or answers 200 linked already or 404 not linked when it was made, and"
                + " the administration log records the change once.")
@RestController
@RequestMapping(path = "/api/v1/portfolios/{portfolioId}", produces = MediaType.APPLICATION_JSON_VALUE)
class LinkedAccountsAdminController {

    private final PortfolioAccess access;

    private final AccountLinkChanges links;

    private final PortfolioClosure closure;

    LinkedAccountsAdminController(PortfolioAccess access, AccountLinkChanges links, PortfolioClosure closure) {
        this.access = access;
        this.links = links;
        this.closure = closure;
    }

    @Schema(description = "The account to link.")
    record LinkRequest(
            @Schema(requiredMode = Schema.RequiredMode.REQUIRED)
            UUID accountId) {}

    @Schema(description = "The closure token of POST closure, confirming the close.")
    record CloseRequest(
            @Schema(requiredMode = Schema.RequiredMode.REQUIRED)
            String confirmation) {}

    @Operation(
            summary = "Link an account",
            description = "Only the Owner. An account belongs to at most one portfolio, and is linked only when every"
                    + " account role its users hold is a standard role or one of the portfolio's custom account roles."
                    + " The account's activity log records the link.")
    @ApiResponse(responseCode = "201", description = "Linked.")
    @ApiResponse(responseCode = "200", description = "It was linked to this portfolio already.")
    @ApiResponse(
            responseCode = "409",
            description = "The account is linked to another portfolio; or its users' memberships (pending invitations"
                    + " included) hold account roles that are neither standard roles nor custom account roles of this"
                    + " portfolio: the problem names each code with how many memberships hold it. Define those custom"
                    + " account roles in the portfolio first, or have the users' roles changed, then link.")
    @ApiResponse(responseCode = "422", description = "No account has this id.")
    @ApiResponse(
            responseCode = "404",
            description = "The portfolio is not in the account directory, or its close committed while the link was"
                    + " under way (once it is closed, the link is 403 as every request to it).")
    @PostMapping(path = "/linked-accounts", consumes = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<Map<String, Object>> link(@PathVariable UUID portfolioId, @RequestBody LinkRequest body) {
        Caller owner = currentOwner(portfolioId);
        if (body.accountId() == null) {
            throw AdminProblems.invalid("accountId", "is required: the id of the account to link");
        }
        WorkerLinks.Outcome outcome = links.link(portfolioId, owner, body.accountId());
        return switch (outcome) {
            case LINKED ->
                ResponseEntity.status(HttpStatus.CREATED)
                        .body(Map.of("accountId", body.accountId(), "portfolioId", portfolioId));
            case ALREADY_LINKED -> ResponseEntity.ok(Map.of("accountId", body.accountId(), "portfolioId", portfolioId));
            case IN_ANOTHER_PORTFOLIO ->
                throw AdminProblems.conflict(
                        "Linked to another portfolio",
                        "Account " + body.accountId() + " is linked to another portfolio; an account belongs to at most"
                                + " one. Its Owner there must unlink it first.");
            case PORTFOLIO_GONE ->
                throw AdminProblems.notFound("Portfolio " + portfolioId
                        + " is closed, or not in the account directory: no account can be linked to it.");
            default -> throw AdminProblems.invalid("accountId", "is not the id of an account");
        };
    }

    @Operation(
            summary = "Unlink an account",
            description = "Only the Owner. The account's users and memberships stay as they are; bulk jobs no longer"
                    + " reach it (a task already planned for it is skipped as ACCOUNT_NOT_IN_PORTFOLIO). The account's"
                    + " activity log records the unlink.")
    @ApiResponse(responseCode = "204", description = "Unlinked.")
    @ApiResponse(responseCode = "404", description = "The account is not linked to this portfolio.")
    @DeleteMapping("/linked-accounts/{accountId}")
    ResponseEntity<Void> unlink(@PathVariable UUID portfolioId, @PathVariable UUID accountId) {
        Caller owner = currentOwner(portfolioId);
        if (links.unlink(portfolioId, owner, accountId) != WorkerLinks.Outcome.UNLINKED) {
            throw AdminProblems.notFound("Account " + accountId + " is not linked to this portfolio.");
        }
        return ResponseEntity.noContent().build();
    }

    @Operation(
            summary = "Ask for a closure token",
            description = "Only the Owner. The token confirms POST close within 10 minutes; a new one replaces it.")
    @ApiResponse(responseCode = "201", description = "The token and when it expires.")
    @PostMapping("/closure")
    @ResponseStatus(HttpStatus.CREATED)
    ClosureToken closureToken(@PathVariable UUID portfolioId) {
        Caller owner = access.requireOwner(portfolioId);
        return closure.token(owner, portfolioId);
    }

    @Operation(
            summary = "Close the portfolio",
            description = "Only the Owner, with the closure token. Pending jobs end as cancelled, every account is"
                    + " unlinked (recorded in each account's activity log), and the portfolio users and roles are"
                    + " removed, its SCIM tokens revoked. Jobs and activity logs stay.")
    @ApiResponse(responseCode = "200", description = "Closed: how many accounts were unlinked and jobs cancelled.")
    @ApiResponse(responseCode = "422", description = "The confirmation is missing, wrong or expired.")
    @PostMapping(path = "/close", consumes = MediaType.APPLICATION_JSON_VALUE)
    Closed close(@PathVariable UUID portfolioId, @RequestBody CloseRequest body) {
        Caller owner = access.requireOwner(portfolioId);
        return closure.close(owner, portfolioId, body.confirmation());
    }

    /**
     * The caller, if they are the Owner by the database as it stands: ownership accepted through another
     * gateway a moment ago counts, although this gateway's permission cache still holds the former
     * Owner as Owner.
     */
    private Caller currentOwner(UUID portfolioId) {
        return access.requireCurrentOwner(access.requireOwner(portfolioId), portfolioId);
    }
}
