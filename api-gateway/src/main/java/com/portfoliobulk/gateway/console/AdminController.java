package com.portfoliobulk.gateway.console;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.contracts.paging.PageRequest;
import com.portfoliobulk.gateway.portfolio.PortfolioRoleRules;
import com.portfoliobulk.gateway.security.Caller;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;

/**
 * The portfolio's administration page: its portfolio users and their roles (by name), the custom account
 * roles, the linked accounts, a pending Owner transfer and the newest administration log entries,
 * each as the API answers the signed-in administrator; and changing a portfolio user's role, offered
 * where the API accepts it.
 */
@Controller
class AdminController {

    /** Why a row is locked when the caller may change the portfolio user but give them no role. */
    private static final String NO_ROLE_TO_GRANT = "There is no role you may give: you give only roles whose"
            + " permissions you all hold, and only the Owner gives one that manages portfolio users";

    private final GatewayApi api;

    private final ConsolePages pages;

    AdminController(GatewayApi api, ConsolePages pages) {
        this.api = api;
        this.pages = pages;
    }

    @GetMapping("/console/portfolios/{portfolioId}/admin")
    String admin(
            ConsoleUser user,
            @PathVariable UUID portfolioId,
            @RequestParam(required = false) String usersCursor,
            @RequestParam(required = false) String rolesCursor,
            @RequestParam(required = false) String logCursor,
            Model model) {
        pages.portfolio(model, user, portfolioId, "admin");
        int limit = pages.pageSize();
        // The API decides who may manage portfolio users; its refusal is shown in place of the list.
        // Each list pages on its own: its cursor is in the page's address, the others start at their first page.
        ConsoleSection users = ConsoleSection.read(() -> api.portfolioUsers(user, portfolioId, limit, usersCursor));
        model.addAttribute("portfolioUsers", users.items());
        model.addAttribute("usersRefused", users.refusal());
        model.addAttribute("usersNext", users.nextCursor());
        boolean manages = users.refusal() == null;
        model.addAttribute("managesUsers", manages);
        if (manages) {
            // Every portfolio role, read once: the choices of each user's selector and the names of their roles.
            List<?> portfolioRoles = ConsoleSection.read(
                            () -> api.portfolioRoles(user, portfolioId, PageRequest.MAX_LIMIT))
                    .items();
            model.addAttribute("portfolioRoleNames", names(portfolioRoles));
            model.addAttribute("roleForms", roleForms(pages.caller(user), portfolioId, users.items(), portfolioRoles));
            ConsoleSection log = ConsoleSection.read(() -> api.adminLog(user, portfolioId, limit, logCursor));
            model.addAttribute("adminLog", log.items());
            model.addAttribute("logNext", log.nextCursor());
            model.addAttribute("logRefused", log.refusal());
        }
        // The API lists the standard account roles before the custom ones, and the page shows only the
        // custom ones: the first page asks for the standard ones on top of a page of custom ones, so that
        // every page shows up to a page of custom roles (the next pages start after a custom one).
        int rolesLimit = rolesCursor == null
                ? Math.min(
                        PageRequest.MAX_LIMIT,
                        limit + AccountRole.standardRoles().size())
                : limit;
        ConsoleSection roles = ConsoleSection.read(() -> api.accountRoles(user, portfolioId, rolesLimit, rolesCursor));
        model.addAttribute(
                "accountRoles",
                roles.items().stream()
                        .filter(role -> role instanceof Map<?, ?> map && Boolean.TRUE.equals(map.get("custom")))
                        .toList());
        model.addAttribute("rolesRefused", roles.refusal());
        model.addAttribute("rolesNext", roles.nextCursor());
        ConsoleSection linked = ConsoleSection.read(() -> api.accounts(user, portfolioId, null, limit, null));
        model.addAttribute("linkedAccounts", linked.items());
        model.addAttribute("moreLinked", linked.more());
        model.addAttribute("linkedRefused", linked.refusal());
        model.addAttribute("transfer", transfer(user, portfolioId));
        return "console/admin";
    }

    /**
     * Changes the role through the API; a refusal is shown as the API worded it (ConsoleAdvice). The
     * API answers a role the user holds already as it answers a change, but changes nothing and logs
     * nothing: when its answer is the role the page showed ({@code shownRole}), the page says that the
     * user has that role, the one it showed, and not that it was changed. It does not say that nothing
     * changed: another administrator may have changed the role after the page was shown, and this
     * request then changed it back (as the admin log shows).
     */
    @PostMapping("/console/portfolios/{portfolioId}/admin/portfolio-users/{userId}/role")
    String changeRole(
            ConsoleUser user,
            @PathVariable UUID portfolioId,
            @PathVariable UUID userId,
            @RequestParam String role,
            @RequestParam(required = false) String shownRole,
            @RequestParam(required = false) String usersCursor,
            RedirectAttributes redirect) {
        Map<String, Object> changed = api.changePortfolioRole(user, portfolioId, userId, role);
        if (shownRole != null && shownRole.equals(changed.get("role"))) {
            redirect.addFlashAttribute("unchanged", String.valueOf(changed.get("email")));
            return ConsolePages.redirectToList(
                    "/console/portfolios/{portfolioId}/admin", portfolioId, "usersCursor", usersCursor);
        }
        // Back to the page of portfolio users the change was made on, which shows the changed row; the
        // notice is for that one answer only (a flash attribute), not for a reload, Back or a bookmark.
        redirect.addFlashAttribute("changed", true);
        return ConsolePages.redirectToList(
                "/console/portfolios/{portfolioId}/admin", portfolioId, "usersCursor", usersCursor);
    }

    /**
     * What each portfolio user's row offers, by their user id: the roles the caller may give them, by
     * the API's own rule ({@link PortfolioRoleRules}), or why the row is locked. The caller's
     * permissions are those the API applies to them, the roles' as the API answers them.
     */
    private static Map<String, RoleForm> roleForms(Caller caller, UUID portfolioId, List<?> users, List<?> roles) {
        List<Map<?, ?>> grantable = ConsolePages.grantableRoles(caller, portfolioId, roles);
        Map<String, RoleForm> forms = new LinkedHashMap<>();
        for (Object item : users) {
            if (!(item instanceof Map<?, ?> row) || row.get("userId") == null) {
                continue;
            }
            String userId = row.get("userId").toString();
            String role = String.valueOf(row.get("role"));
            String locked = PortfolioRoleRules.changeRefusal(
                            caller, portfolioId, UUID.fromString(userId), role, ConsolePages.permissions(row))
                    .map(AdminController::lockedBecause)
                    .orElse(grantable.isEmpty() ? NO_ROLE_TO_GRANT : null);
            forms.put(
                    userId,
                    new RoleForm(
                            locked == null ? grantable : List.of(),
                            grantable.stream().anyMatch(choice -> role.equals(choice.get("code"))),
                            locked));
        }
        return forms;
    }

    /** Why a row has no role selector, as its lock's title says. */
    private static String lockedBecause(PortfolioRoleRules.Refusal refusal) {
        return switch (refusal) {
            case OWNER -> "The Owner keeps that role until they transfer ownership";
            case OWN_ROLE ->
                "You cannot change your own role: the Owner, or a portfolio user who holds every permission"
                        + " of your role, changes it";
            case ADMIN -> "Only the Owner changes the role of an Admin";
            case LACKING ->
                "Their role has permissions you do not hold: the Owner, or a portfolio user who holds them,"
                        + " changes it";
            case MANAGES_USERS -> NO_ROLE_TO_GRANT;
        };
    }

    /**
     * A portfolio user's row: the roles its selector offers, whether their current role is one of them
     * (else the selector asks for a choice first), and why the row is locked instead (none when it is not).
     */
    record RoleForm(List<Map<?, ?>> choices, boolean holdsChoice, String locked) {}

    /** The pending Owner transfer; none when there is none or the caller is not the Owner (only they see it). */
    private Map<String, Object> transfer(ConsoleUser user, UUID portfolioId) {
        try {
            return api.ownerTransfer(user, portfolioId);
        } catch (ApiProblem problem) {
            if (problem.status() == 403 || problem.status() == 404) {
                return null;
            }
            throw problem;
        }
    }

    /** The name of each role of the API's list by its code, for {@code fmt.role(code, portfolioRoleNames)}. */
    private static Map<String, String> names(List<?> roles) {
        Map<String, String> names = new LinkedHashMap<>();
        for (Object role : roles) {
            if (role instanceof Map<?, ?> map && map.get("code") != null && map.get("name") != null) {
                names.put(map.get("code").toString(), map.get("name").toString());
            }
        }
        return names;
    }
}
