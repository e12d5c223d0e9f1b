package com.portfoliobulk.gateway.directory;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.contracts.TextLength;
import com.portfoliobulk.contracts.paging.Page;
import com.portfoliobulk.gateway.security.PortfolioAccess;
import com.portfoliobulk.gateway.web.FirstCodes;
import com.portfoliobulk.gateway.web.InvalidParameterException;
import com.portfoliobulk.gateway.web.PageParameters;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.util.List;
import java.util.UUID;
import org.springdoc.core.annotations.ParameterObject;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * The bird's-eye view of a portfolio: its linked accounts, its users across them and one user's
 * profile. Readable with the Portfolio Owner, User Management EDIT or VIEW.
 */
@Tag(name = "Directory", description = "The portfolio's linked accounts and their users (read only).")
@ApiResponse(
        responseCode = "400",
        description = "A parameter cannot be used (not a UUID, limit out of range, unknown role, bad cursor);"
                + " the problem names it.")
@ApiResponse(responseCode = "401", description = "No valid bearer token.")
@ApiResponse(responseCode = "403", description = "The caller has no permission on the portfolio.")
@ApiResponse(
        responseCode = "404",
        description = "The portfolio does not exist, or the user or account is not one of the portfolio's.")
@RestController
@RequestMapping(path = "/api/v1/portfolios/{portfolioId}", produces = MediaType.APPLICATION_JSON_VALUE)
class DirectoryController {

    private static final int MAX_ACCOUNT_TEXT = 200;

    private static final int MAX_EMAIL_TEXT = 254;

    private final PortfolioAccess access;

    private final PortfolioDirectory directory;

    private final CustomAccountRoles customRoles;

    DirectoryController(PortfolioAccess access, PortfolioDirectory directory, CustomAccountRoles customRoles) {
        this.customRoles = customRoles;
        this.access = access;
        this.directory = directory;
    }

    @Operation(
            summary = "List the portfolio's linked accounts",
            description = "Linked accounts ordered by name, with their Owner and member count. Cursor-paged.")
    @ApiResponse(responseCode = "200", description = "One page of linked accounts.")
    @GetMapping("/accounts")
    Page<LinkedAccount> accounts(
            @Parameter(description = "The portfolio.") @PathVariable UUID portfolioId,
            @Parameter(
                            description =
                                    "Only accounts whose name contains this text, ignoring case (at most 200 characters).")
                    @RequestParam(required = false)
                    String q,
            @ParameterObject PageParameters page) {
        access.requireView(portfolioId);
        return directory.accounts(
                portfolioId, text(q, MAX_ACCOUNT_TEXT), page.request(PortfolioDirectory.ACCOUNTS, portfolioId));
    }

    @Operation(
            summary = "List the portfolio's users across its accounts",
            description = "The bird's-eye view: every user with access to, or a pending invitation to, at least one"
                    + " linked account, ordered by e-mail address, each with up to " + PortfolioUser.LISTED_MEMBERSHIPS
                    + " of their memberships in the portfolio's accounts by account name (also those the filters"
                    + " did not ask about) and `membershipCount`, the number of all of them. When a user has more,"
                    + " the listed ones are those the `role` and `accountId` filters ask about first, then the"
                    + " others by account name; the user's profile (`/users/{userId}`) pages their access to every"
                    + " account."
                    + " Filters combine with AND; `role` with `accountId` means that role on that account."
                    + " An invitation that has expired counts as no access: it is not listed, counted or matched by"
                    + " the filters. Cursor-paged.")
    @ApiResponse(responseCode = "200", description = "One page of users with their memberships.")
    @GetMapping("/users")
    Page<PortfolioUser> users(
            @Parameter(description = "The portfolio.") @PathVariable UUID portfolioId,
            @Parameter(
                            description = "Only users whose e-mail address contains this text anywhere (a substring,"
                                    + " not only a prefix), ignoring case; e.g. `@agency.com` (at most 254 characters)."
                                    + " Addresses are kept with their domain in ASCII: a domain's labels typed in"
                                    + " Unicode are looked for in their xn-- form, so `müller.de` finds"
                                    + " `anna@xn--mller-kva.de` (whole labels: `müll` finds nothing). The text as typed"
                                    + " is looked for too, so an address stored with its domain in Unicode before"
                                    + " that rule (`könig@müller.de`) is found by `kö` or `müller.de`.")
                    @RequestParam(required = false)
                    String q,
            @Parameter(
                            description = "Only users holding, or invited with, this role on at least one linked"
                                    + " account (on `accountId` when it is given too): a standard role (OWNER, ADMIN, MANAGER, ANALYST, CAMPAIGN_COORDINATOR,"
                                    + " CONTENT_CREATOR, SUPPORT) or a custom account role the portfolio defines.")
                    @RequestParam(required = false)
                    String role,
            @Parameter(description = "Only users with access to, or a pending invitation to, this linked account.")
                    @RequestParam(required = false)
                    UUID accountId,
            @ParameterObject PageParameters page) {
        access.requireView(portfolioId);
        UserFilter filter = new UserFilter(text(q, MAX_EMAIL_TEXT), role(portfolioId, role), accountId);
        return directory.users(portfolioId, filter, page.request(PortfolioDirectory.USERS, portfolioId));
    }

    @Operation(
            summary = "Get one user's profile in the portfolio",
            description = "The user and EVERY linked account of the portfolio, ordered by name, with the user's role"
                    + " there or NO_ACCESS. A portfolio can link thousands of accounts, so the accounts are"
                    + " cursor-paged like every list: one page of them in `items`, with `nextCursor` (`limit`,"
                    + " `cursor`). With `access=MEMBERSHIP` only the accounts where the user has a membership"
                    + " (ACTIVE or INVITED) are listed; a cursor then pages only that list, so pass the same"
                    + " `access` with it. An account where the user's invitation expired is NO_ACCESS; a user without"
                    + " access to, or a pending invitation to, any of the portfolio's accounts is not one of its"
                    + " users: 404.")
    @ApiResponse(responseCode = "200", description = "The profile with one page of accounts.")
    @GetMapping("/users/{userId}")
    UserProfile profile(
            @Parameter(description = "The portfolio.") @PathVariable UUID portfolioId,
            @Parameter(description = "The user.") @PathVariable UUID userId,
            @Parameter(
                            name = "access",
                            description = "Which accounts to list: ALL (the default) every linked account, also those"
                                    + " where the user has NO_ACCESS; MEMBERSHIP only those where the user has"
                                    + " access (ACTIVE) or a pending invitation (INVITED). A cursor belongs to the"
                                    + " list it was made for: pass the same `access` with it.")
                    @RequestParam(name = "access", required = false)
                    UserProfile.Listed listed,
            @ParameterObject PageParameters page) {
        access.requireView(portfolioId);
        UserProfile.Listed accounts = listed == null ? UserProfile.Listed.ALL : listed;
        return directory.profile(
                portfolioId,
                userId,
                accounts,
                page.request(PortfolioDirectory.profileList(accounts), portfolioId, userId));
    }

    private static String text(String q, int maxLength) {
        if (q == null || q.isBlank()) {
            return null;
        }
        String text = q.strip();
        if (TextLength.of(text) > maxLength) {
            throw new InvalidParameterException("q", "must be at most " + maxLength + " characters");
        }
        return text;
    }

    /** A standard role, or a custom account role the portfolio defines (as bulk jobs accept them). */
    private AccountRole role(UUID portfolioId, String code) {
        if (code == null || code.isBlank()) {
            return null;
        }
        AccountRole role;
        try {
            role = AccountRole.fromCode(code);
        } catch (IllegalArgumentException ex) {
            throw new InvalidParameterException("role", ex.getMessage());
        }
        if (role.isStandard()) {
            return role;
        }
        List<String> defined = customRoles.codes(portfolioId);
        if (!defined.contains(role.code())) {
            throw new InvalidParameterException(
                    "role",
                    "Unknown role '" + code + "'; known roles: " + AccountRole.standardCodes()
                            + (defined.isEmpty()
                                    ? ""
                                    : " and this portfolio's custom roles " + FirstCodes.of(defined)));
        }
        return role;
    }
}
