package com.portfoliobulk.gateway.portfolio;

import com.portfoliobulk.contracts.paging.Page;
import com.portfoliobulk.gateway.portfolio.AdminModels.AdminLogEntry;
import com.portfoliobulk.gateway.portfolio.AdminModels.NewPortfolioUser;
import com.portfoliobulk.gateway.portfolio.AdminModels.OwnerTransferRequest;
import com.portfoliobulk.gateway.portfolio.AdminModels.OwnerTransferView;
import com.portfoliobulk.gateway.portfolio.AdminModels.PortfolioUserView;
import com.portfoliobulk.gateway.portfolio.AdminModels.RoleChange;
import com.portfoliobulk.gateway.portfolio.AdminModels.RoleDefinition;
import com.portfoliobulk.gateway.portfolio.AdminModels.RoleView;
import com.portfoliobulk.gateway.security.Caller;
import com.portfoliobulk.gateway.security.PortfolioAccess;
import com.portfoliobulk.gateway.security.PortfolioPermission;
import com.portfoliobulk.gateway.web.PageParameters;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.util.UUID;
import org.springdoc.core.annotations.ParameterObject;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/**
 * Portfolio administration: the portfolio's users and their portfolio roles, custom portfolio and
 * account roles, the Owner transfer and the log of these changes. Nothing here is open to a caller
 * who may only read (User Management VIEW) or who has no permission on the portfolio.
 */
@Tag(
        name = "Portfolio administration",
        description = "Portfolio users and roles, custom account roles, Owner transfer, administration log.")
@ApiResponse(responseCode = "401", description = "No valid bearer token.")
@ApiResponse(
        responseCode = "403",
        description = "The caller lacks the permission this needs on the portfolio (see each operation).")
@ApiResponse(
        responseCode = "422",
        description = "The body names something that cannot be (unknown role, unknown user, bad code); the problem's"
                + " `errors` name the field and the fix.")
@RestController
@RequestMapping(path = "/api/v1/portfolios/{portfolioId}", produces = MediaType.APPLICATION_JSON_VALUE)
class PortfolioAdministrationController {

    private final PortfolioAccess access;

    private final PortfolioAdministration administration;

    PortfolioAdministrationController(PortfolioAccess access, PortfolioAdministration administration) {
        this.access = access;
        this.administration = administration;
    }

    // ---- portfolio users ----------------------------------------------------------------------

    @Operation(
            summary = "List the portfolio users",
            description = "Every portfolio user with their portfolio role and its permissions. Needs"
                    + " PORTFOLIO_USERS_MANAGE (Owner, Admin or a custom role with it).")
    @ApiResponse(responseCode = "200", description = "One page of portfolio users, ordered by e-mail address.")
    @ApiResponse(responseCode = "404", description = "The portfolio does not exist.")
    @GetMapping("/portfolio-users")
    Page<PortfolioUserView> users(
            @Parameter(description = "The portfolio.") @PathVariable UUID portfolioId,
            @ParameterObject PageParameters page) {
        access.require(portfolioId, PortfolioPermission.PORTFOLIO_USERS_MANAGE);
        return administration.users(portfolioId, page.request(PortfolioAdministration.USERS, portfolioId));
    }

    @Operation(
            summary = "Add a portfolio user",
            description = "Gives a user of one of the portfolio's accounts a portfolio role. Needs"
                    + " PORTFOLIO_USERS_MANAGE; only the Owner grants ADMIN; anyone else grants only a role whose"
                    + " permissions they all hold (403 naming `role` otherwise); no one is made OWNER this way"
                    + " (transfer ownership instead).")
    @ApiResponse(responseCode = "201", description = "Added.")
    @ApiResponse(responseCode = "409", description = "Already a portfolio user.")
    @ApiResponse(
            responseCode = "422",
            description = "`email` is missing, not an address, or not that of a user of one of the portfolio's"
                    + " accounts (a user of other portfolios only is answered as an address no user has), or `role`"
                    + " is not one to give; the problem's `errors` name the field and the fix.")
    @PostMapping(path = "/portfolio-users", consumes = MediaType.APPLICATION_JSON_VALUE)
    @ResponseStatus(HttpStatus.CREATED)
    PortfolioUserView addUser(@PathVariable UUID portfolioId, @RequestBody NewPortfolioUser body) {
        Caller caller = access.require(portfolioId, PortfolioPermission.PORTFOLIO_USERS_MANAGE);
        return administration.addUser(caller, portfolioId, body.email(), body.role());
    }

    @Operation(
            summary = "Change a portfolio user's role",
            description = "Takes effect on the user's next request (within the permission cache time on other gateway"
                    + " instances). The Owner's role does not change this way; only the Owner changes an Admin's."
                    + " Anyone else changes only a user whose role has no permission they lack, to a role whose"
                    + " permissions they all hold, and never their own role (403).")
    @ApiResponse(responseCode = "200", description = "Changed.")
    @ApiResponse(responseCode = "404", description = "Not a portfolio user of this portfolio.")
    @ApiResponse(
            responseCode = "409",
            description = "The user is the Owner, who keeps that role until they transfer ownership.")
    @PutMapping(path = "/portfolio-users/{userId}/role", consumes = MediaType.APPLICATION_JSON_VALUE)
    PortfolioUserView changeRole(
            @PathVariable UUID portfolioId, @PathVariable UUID userId, @RequestBody RoleChange body) {
        Caller caller = access.require(portfolioId, PortfolioPermission.PORTFOLIO_USERS_MANAGE);
        return administration.changeRole(caller, portfolioId, userId, body.role());
    }

    @Operation(
            summary = "Remove a portfolio user",
            description = "Revokes every portfolio permission of the user; the Owner cannot be removed, only the Owner"
                    + " removes an Admin, and anyone else removes only a user whose role has no permission they lack"
                    + " (403), themselves included.")
    @ApiResponse(responseCode = "204", description = "Removed.")
    @ApiResponse(responseCode = "404", description = "Not a portfolio user of this portfolio.")
    @ApiResponse(
            responseCode = "409",
            description = "The user is the Owner: a portfolio always has its Owner; transfer ownership first.")
    @DeleteMapping("/portfolio-users/{userId}")
    ResponseEntity<Void> removeUser(@PathVariable UUID portfolioId, @PathVariable UUID userId) {
        Caller caller = access.require(portfolioId, PortfolioPermission.PORTFOLIO_USERS_MANAGE);
        administration.removeUser(caller, portfolioId, userId);
        return ResponseEntity.noContent().build();
    }

    // ---- portfolio roles ----------------------------------------------------------------------

    @Operation(
            summary = "List the portfolio roles",
            description = "The built-in roles (OWNER, ADMIN, USER_MANAGEMENT_EDIT, USER_MANAGEMENT_VIEW) and the"
                    + " portfolio's custom ones, with their permissions. Needs PORTFOLIO_USERS_MANAGE.")
    @ApiResponse(responseCode = "200", description = "One page of roles: the built-in ones, then the custom ones.")
    @ApiResponse(responseCode = "404", description = "The portfolio does not exist.")
    @GetMapping("/portfolio-roles")
    Page<RoleView> portfolioRoles(@PathVariable UUID portfolioId, @ParameterObject PageParameters page) {
        access.require(portfolioId, PortfolioPermission.PORTFOLIO_USERS_MANAGE);
        return administration.portfolioRoles(
                portfolioId, page.request(PortfolioAdministration.PORTFOLIO_ROLES, portfolioId));
    }

    @Operation(
            summary = "Define a custom portfolio role",
            description = "A code, a name, a description and permissions, each once, out of USER_MANAGEMENT_VIEW,"
                    + " USER_MANAGEMENT_EDIT, PORTFOLIO_USERS_MANAGE and ACCOUNT_ROLES_MANAGE. Needs"
                    + " PORTFOLIO_USERS_MANAGE; anyone but the Owner names only permissions they hold (403 naming"
                    + " `permissions` otherwise).")
    @ApiResponse(responseCode = "201", description = "Defined.")
    @ApiResponse(
            responseCode = "409",
            description = "The portfolio has a role with this code already, or has its "
                    + PortfolioAdministration.MAX_CUSTOM_ROLES
                    + " custom portfolio roles already (delete one first; `errors` names `code`).")
    @PostMapping(path = "/portfolio-roles", consumes = MediaType.APPLICATION_JSON_VALUE)
    @ResponseStatus(HttpStatus.CREATED)
    RoleView definePortfolioRole(@PathVariable UUID portfolioId, @RequestBody RoleDefinition body) {
        Caller caller = access.require(portfolioId, PortfolioPermission.PORTFOLIO_USERS_MANAGE);
        return administration.definePortfolioRole(caller, portfolioId, body);
    }

    @Operation(
            summary = "Delete a custom portfolio role",
            description = "Refused (409) while portfolio users hold it; the problem says how many.")
    @ApiResponse(responseCode = "204", description = "Deleted.")
    @ApiResponse(responseCode = "409", description = "Portfolio users hold the role; the detail names how many.")
    @DeleteMapping("/portfolio-roles/{code}")
    ResponseEntity<Void> deletePortfolioRole(@PathVariable UUID portfolioId, @PathVariable String code) {
        Caller caller = access.require(portfolioId, PortfolioPermission.PORTFOLIO_USERS_MANAGE);
        administration.deletePortfolioRole(caller, portfolioId, code);
        return ResponseEntity.noContent().build();
    }

    // ---- custom account roles -----------------------------------------------------------------

    @Operation(
            summary = "List the account roles",
            description = "The standard account roles and the portfolio's custom ones, which bulk invitations and role"
                    + " changes accept. Needs USER_MANAGEMENT_EDIT or ACCOUNT_ROLES_MANAGE.")
    @ApiResponse(responseCode = "200", description = "One page of roles: the standard ones, then the custom ones.")
    @ApiResponse(responseCode = "404", description = "The portfolio does not exist.")
    @GetMapping("/account-roles")
    Page<RoleView> accountRoles(@PathVariable UUID portfolioId, @ParameterObject PageParameters page) {
        Caller caller = access.caller();
        if (!caller.canChange(portfolioId) && !caller.has(portfolioId, PortfolioPermission.ACCOUNT_ROLES_MANAGE)) {
            access.require(portfolioId, PortfolioPermission.USER_MANAGEMENT_EDIT);
        }
        return administration.accountRoles(
                portfolioId, page.request(PortfolioAdministration.ACCOUNT_ROLES, portfolioId));
    }

    @Operation(
            summary = "Define a custom account role",
            description = "A code, a name, a description and named permissions, each once (VIEW_ACCOUNT, VIEW_REPORTS,"
                    + " MANAGE_CAMPAIGNS, CREATE_CONTENT, PUBLISH_CONTENT, RESPOND_TO_MESSAGES, MANAGE_USERS,"
                    + " MANAGE_INTEGRATIONS, MANAGE_BILLING). Needs ACCOUNT_ROLES_MANAGE.")
    @ApiResponse(responseCode = "201", description = "Defined.")
    @ApiResponse(
            responseCode = "409",
            description = "The portfolio has a custom role with this code already, or has its "
                    + PortfolioAdministration.MAX_CUSTOM_ROLES
                    + " custom account roles already (delete one first; `errors` names `code`).")
    @PostMapping(path = "/account-roles", consumes = MediaType.APPLICATION_JSON_VALUE)
    @ResponseStatus(HttpStatus.CREATED)
    RoleView defineAccountRole(@PathVariable UUID portfolioId, @RequestBody RoleDefinition body) {
        Caller caller = access.require(portfolioId, PortfolioPermission.ACCOUNT_ROLES_MANAGE);
        return administration.defineAccountRole(caller, portfolioId, body);
    }

    @Operation(
            summary = "Delete a custom account role",
            description = "Refused (409) while memberships in the portfolio's accounts hold it; the problem says how"
                    + " many. Needs ACCOUNT_ROLES_MANAGE.")
    @ApiResponse(responseCode = "204", description = "Deleted.")
    @ApiResponse(responseCode = "409", description = "Memberships hold the role; the detail names how many.")
    @DeleteMapping("/account-roles/{code}")
    ResponseEntity<Void> deleteAccountRole(@PathVariable UUID portfolioId, @PathVariable String code) {
        Caller caller = access.require(portfolioId, PortfolioPermission.ACCOUNT_ROLES_MANAGE);
        administration.deleteAccountRole(caller, portfolioId, code);
        return ResponseEntity.noContent().build();
    }

    // ---- Owner transfer -----------------------------------------------------------------------

    @Operation(
            summary = "Offer ownership to another portfolio user",
            description = "Only the Owner. Replaces an earlier pending offer to another user; the same offer again"
                    + " answers the pending one unchanged. The recipient becomes Owner when they"
                    + " accept; the Owner then becomes Admin, or is removed when the portfolio's identity provider"
                    + " has deactivated or deleted them.")
    @ApiResponse(responseCode = "202", description = "Offered; pending until accepted or withdrawn.")
    @ApiResponse(responseCode = "409", description = "The Owner is closing the portfolio.")
    @PostMapping(path = "/owner-transfer", consumes = MediaType.APPLICATION_JSON_VALUE)
    @ResponseStatus(HttpStatus.ACCEPTED)
    OwnerTransferView requestTransfer(@PathVariable UUID portfolioId, @RequestBody OwnerTransferRequest body) {
        Caller caller = access.requireOwner(portfolioId);
        return administration.requestTransfer(caller, portfolioId, body.userId());
    }

    @Operation(summary = "The pending Owner transfer", description = "Only the Owner.")
    @ApiResponse(responseCode = "200", description = "The pending transfer.")
    @ApiResponse(responseCode = "404", description = "No transfer is pending.")
    @GetMapping("/owner-transfer")
    OwnerTransferView pendingTransfer(@PathVariable UUID portfolioId) {
        access.requireOwner(portfolioId);
        return administration
                .pendingTransfer(portfolioId)
                .orElseThrow(() -> AdminProblems.notFound("This portfolio has no pending Owner transfer."));
    }

    @Operation(summary = "Withdraw the pending Owner transfer", description = "Only the Owner.")
    @ApiResponse(responseCode = "204", description = "Withdrawn.")
    @DeleteMapping("/owner-transfer")
    ResponseEntity<Void> withdrawTransfer(@PathVariable UUID portfolioId) {
        Caller caller = access.requireOwner(portfolioId);
        administration.withdrawTransfer(caller, portfolioId);
        return ResponseEntity.noContent().build();
    }

    @Operation(
            summary = "Accept ownership",
            description = "Only the portfolio user ownership was offered to; everyone else gets 403. Sent again"
                    + " by that user once they are the Owner (the first answer lost), it answers as the first did,"
                    + " changing nothing.")
    @ApiResponse(responseCode = "200", description = "The caller is now the Owner.")
    @ApiResponse(
            responseCode = "409",
            description = "The Owner is closing the portfolio, the offer's maker is no longer the Owner, or the"
                    + " caller is no longer a portfolio user.")
    @PostMapping("/owner-transfer/accept")
    PortfolioUserView acceptTransfer(@PathVariable UUID portfolioId) {
        return administration.acceptTransfer(access.caller(), portfolioId);
    }

    // ---- administration log -------------------------------------------------------------------

    @Operation(
            summary = "The administration log",
            description = "Administrative changes of the portfolio, newest first: portfolio users, roles, Owner"
                    + " transfers, linked accounts. Needs PORTFOLIO_USERS_MANAGE.")
    @ApiResponse(responseCode = "200", description = "One page of entries, newest first.")
    @ApiResponse(responseCode = "404", description = "The portfolio does not exist.")
    @GetMapping("/admin-log")
    Page<AdminLogEntry> adminLog(@PathVariable UUID portfolioId, @ParameterObject PageParameters page) {
        access.require(portfolioId, PortfolioPermission.PORTFOLIO_USERS_MANAGE);
        return administration.adminLog(portfolioId, page.request(PortfolioAdministration.ADMIN_LOG, portfolioId));
    }
}
