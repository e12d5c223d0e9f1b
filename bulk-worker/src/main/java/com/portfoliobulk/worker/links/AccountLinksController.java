package com.portfoliobulk.worker.links;

import com.portfoliobulk.contracts.Actor;
import com.portfoliobulk.servicesupport.web.ProblemException;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * The worker's internal API for account links, called by the api-gateway once it has checked that
 * the caller is the Portfolio Owner (this service has no authentication of its own: only the gateway
 * may reach its port). The body names the Owner, for the activity log.
 */
@RestController
class AccountLinksController {

    private final AccountLinks links;

    AccountLinksController(AccountLinks links) {
        this.links = links;
    }

    /**
     * 200 linked (or linked already), 404 no such account, 409 linked to another portfolio (an open one), or
     * its memberships hold account roles the portfolio does not define ({@code undefinedRoles}: {@code
     * [{"code": ..., "memberships": n}]}, in code order), 410 the portfolio is closed or not in the directory.
     */
    @PostMapping(
            path = "/internal/portfolios/{portfolioId}/accounts/{accountId}/link",
            consumes = MediaType.APPLICATION_JSON_VALUE,
            produces = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<?> link(@PathVariable UUID portfolioId, @PathVariable UUID accountId, @RequestBody Actor actor) {
        AccountLinks.Result result;
        try {
            result = links.link(portfolioId, accountId, actor);
        } catch (AccountLinks.UndefinedRoles undefined) {
            ProblemException refused = new ProblemException(
                    HttpStatus.CONFLICT,
                    "The account's memberships hold account roles the portfolio does not define: "
                            + String.join(
                                    ", ",
                                    undefined.roles().entrySet().stream()
                                            .map(role -> role.getKey() + " (" + role.getValue() + ")")
                                            .toList())
                            + ".");
            refused.getBody()
                    .setProperty(
                            "undefinedRoles",
                            undefined.roles().entrySet().stream()
                                    .map(role -> Map.of("code", role.getKey(), "memberships", role.getValue()))
                                    .toList());
            throw refused;
        }
        return switch (result) {
            case LINKED -> ResponseEntity.ok(Map.of("accountId", accountId, "linked", true));
            case ALREADY -> ResponseEntity.ok(Map.of("accountId", accountId, "linked", false));
            case NO_SUCH_ACCOUNT -> throw new ProblemException(HttpStatus.NOT_FOUND, "No account has this id.");
            case NO_SUCH_PORTFOLIO ->
                throw new ProblemException(
                        HttpStatus.GONE, "The portfolio is closed, or not in the account directory.");
            case IN_ANOTHER_PORTFOLIO ->
                throw new ProblemException(
                        HttpStatus.CONFLICT,
                        "The account is linked to another portfolio; it must be unlinked there first.");
            default -> throw new IllegalStateException();
        };
    }

    /** 200 unlinked, 404 not linked to this portfolio. */
    @PostMapping(
            path = "/internal/portfolios/{portfolioId}/accounts/{accountId}/unlink",
            consumes = MediaType.APPLICATION_JSON_VALUE,
            produces = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<?> unlink(@PathVariable UUID portfolioId, @PathVariable UUID accountId, @RequestBody Actor actor) {
        return switch (links.unlink(portfolioId, accountId, actor)) {
            case UNLINKED -> ResponseEntity.ok(Map.of("accountId", accountId));
            default -> throw new ProblemException(HttpStatus.NOT_FOUND, "The account is not linked to this portfolio.");
        };
    }

    /**
     * Unlinks every account of the portfolio; 200 with how many ({@code {"unlinked": n}}). With {@code
     * budgetMillis} (a close by a gateway of this version on), starts no batch of accounts once that long
     * has passed and answers {@code {"unlinked": n, "more": true}} while some may be linked still: the
     * gateway calls again until {@code more} is {@code false}, each call answered well within the time it
     * waits. Without it (a gateway of a version before, which reads {@code unlinked} alone and calls
     * once), unlinks them all before it answers, however long that takes.
     */
    @PostMapping(
            path = "/internal/portfolios/{portfolioId}/unlink-all",
            consumes = MediaType.APPLICATION_JSON_VALUE,
            produces = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<?> unlinkAll(
            @PathVariable UUID portfolioId,
            @RequestParam(required = false) Long budgetMillis,
            @RequestBody Actor actor) {
        if (budgetMillis == null) {
            return ResponseEntity.ok(
                    Map.of("unlinked", links.unlinkAll(portfolioId, actor, null).unlinked()));
        }
        AccountLinks.Unlinking unlinking =
                links.unlinkAll(portfolioId, actor, Duration.ofMillis(Math.max(0, budgetMillis)));
        return ResponseEntity.ok(Map.of("unlinked", unlinking.unlinked(), "more", unlinking.more()));
    }
}
