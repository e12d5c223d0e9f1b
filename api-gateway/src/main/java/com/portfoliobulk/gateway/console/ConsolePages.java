package com.portfoliobulk.gateway.console;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.contracts.JobStatus;
import com.portfoliobulk.contracts.JobType;
import com.portfoliobulk.contracts.ReasonCode;
import com.portfoliobulk.contracts.TaskStatus;
import com.portfoliobulk.contracts.paging.PageRequest;
import com.portfoliobulk.gateway.directory.CustomAccountRoles;
import com.portfoliobulk.gateway.portfolio.PortfolioRoleRules;
import com.portfoliobulk.gateway.security.Caller;
import com.portfoliobulk.gateway.security.PortfolioAccess;
import com.portfoliobulk.gateway.security.PortfolioPermission;
import com.portfoliobulk.gateway.web.CanonicalUuids;
import com.portfoliobulk.gateway.web.NotFoundException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.stereotype.Component;
import org.springframework.ui.Model;
import org.springframework.util.StringUtils;
import org.springframework.web.client.RestClientException;
import org.springframework.web.util.UriComponentsBuilder;

/** What every portfolio page shows: the portfolio, who is signed in, what they may do, the choices. */
@Component
class ConsolePages {

    /** The standard roles, as the role lists show them until the portfolio's custom ones are read. */
    static final List<RoleChoice> STANDARD_ROLES = AccountRole.standardRoles().stream()
            .map(role -> new RoleChoice(role.code(), role.displayName()))
            .toList();

    private final ConsoleDirectory directory;

    private final ConsoleProperties properties;

    private final PortfolioAccess access;

    private final GatewayApi api;

    private final CustomAccountRoles customRoles;

    ConsolePages(
            ConsoleDirectory directory,
            ConsoleProperties properties,
            PortfolioAccess access,
            GatewayApi api,
            CustomAccountRoles customRoles) {
        this.access = access;
        this.api = api;
        this.directory = directory;
        this.properties = properties;
        this.customRoles = customRoles;
    }

    int pageSize() {
        return properties.pageSize();
    }

    int accountChoices() {
        return properties.accountChoices();
    }

    /**
     * Adds the portfolio and the administrator to the model; 404 when the administrator has no
     * permission on the portfolio or it does not exist (the API would answer the same). A page whose
     * data the administrator's role does not let them read shows the API's 403.
     */
    void portfolio(Model model, ConsoleUser user, UUID portfolioId, String section) {
        Caller caller = caller(user);
        if (!caller.isMember(portfolioId)) {
            throw new NotFoundException("No such portfolio");
        }
        ConsoleDirectory.Portfolio portfolio = directory.portfolios(List.of(portfolioId)).stream()
                .findFirst()
                .orElseThrow(() -> new NotFoundException("No such portfolio"));
        model.addAttribute("portfolio", portfolio);
        model.addAttribute("me", user.email());
        model.addAttribute("canView", caller.canView(portfolioId));
        model.addAttribute("canChange", caller.canChange(portfolioId));
        model.addAttribute("viewOnly", !changesSomething(user, caller, portfolioId));
        model.addAttribute("section", section);
        roleChoices(model, STANDARD_ROLES);
        model.addAttribute("jobStatuses", JobStatus.values());
        model.addAttribute("jobTypes", JobType.values());
        model.addAttribute("taskStatuses", TaskStatus.values());
        model.addAttribute("reasons", ReasonCode.values());
    }

    /**
     * Whether the console offers the administrator a change on the portfolio, by the checks its pages
     * apply: bulk changes, webhooks and (the Owner) SCIM tokens with a permission that allows changes
     * ({@link Caller#canChange}); a portfolio user's role on Administration with PORTFOLIO_USERS_MANAGE
     * and a role they may give ({@link #grantableRoles}, as the page's selectors offer). Custom account
     * roles are changed through the API only. When the portfolio's roles cannot be read, it says yes:
     * the header then claims nothing it cannot vouch for.
     */
    private boolean changesSomething(ConsoleUser user, Caller caller, UUID portfolioId) {
        if (caller.canChange(portfolioId)) {
            return true;
        }
        if (!caller.has(portfolioId, PortfolioPermission.PORTFOLIO_USERS_MANAGE)) {
            return false;
        }
        try {
            Map<String, Object> roles = api.portfolioRoles(user, portfolioId, PageRequest.MAX_LIMIT);
            return !grantableRoles(caller, portfolioId, items(roles)).isEmpty();
        } catch (ApiProblem | RestClientException unread) {
            return true;
        }
    }

    /**
     * The portfolio roles (as the API lists them) the caller may give a portfolio user, by the API's own
     * rule ({@link PortfolioRoleRules#grantRefusal}): the choices of the Administration page's selectors.
     */
    static List<Map<?, ?>> grantableRoles(Caller caller, UUID portfolioId, List<?> roles) {
        return roles.stream()
                .filter(Map.class::isInstance)
                .<Map<?, ?>>map(role -> (Map<?, ?>) role)
                .filter(role -> role.get("code") != null
                        && PortfolioRoleRules.grantRefusal(
                                        caller, portfolioId, role.get("code").toString(), permissions(role))
                                .isEmpty())
                .toList();
    }

    /** The permissions of an API item that has them (a portfolio role, a portfolio user), by name. */
    static List<String> permissions(Map<?, ?> item) {
        return item.get("permissions") instanceof List<?> names
                ? names.stream().map(String::valueOf).toList()
                : List.of();
    }

    /**
     * Replaces the page's role lists with the account roles the API answers for the portfolio: the
     * standard ones and its custom ones, with their configured names (read once, for the whole page).
     * When the API refuses the administrator the list, the lists keep the standard roles, and the
     * page still shows the custom roles the portfolio's users hold by their names ({@link #roleNames}).
     */
    void accountRoles(Model model, ConsoleUser user, UUID portfolioId) {
        Map<String, Object> page;
        try {
            page = api.accountRoles(user, portfolioId, PageRequest.MAX_LIMIT, null);
        } catch (ApiProblem problem) {
            if (problem.status() != 403) {
                throw problem;
            }
            roleNames(model, portfolioId);
            return;
        }
        List<RoleChoice> roles = items(page).stream()
                .filter(Map.class::isInstance)
                .map(item -> (Map<?, ?>) item)
                .filter(item -> item.get("code") != null)
                .map(item -> new RoleChoice(
                        item.get("code").toString(),
                        item.get("name") == null || item.get("name").toString().isBlank()
                                ? new AccountRole(item.get("code").toString()).displayName()
                                : item.get("name").toString()))
                .toList();
        if (!roles.isEmpty()) {
            roleChoices(model, roles);
        }
    }

    /**
     * Adds the names of the portfolio's account roles ({@code roleNames}, for {@code fmt.role(code,
     * roleNames)}): the standard ones' and the custom ones' configured names, read once for the whole page.
     */
    void roleNames(Model model, UUID portfolioId) {
        Map<String, String> names = new LinkedHashMap<>();
        STANDARD_ROLES.forEach(role -> names.put(role.code(), role.name()));
        names.putAll(customRoles.names(portfolioId));
        model.addAttribute("roleNames", names);
    }

    private static void roleChoices(Model model, List<RoleChoice> roles) {
        Map<String, String> names = new LinkedHashMap<>();
        roles.forEach(role -> names.put(role.code(), role.name()));
        List<RoleChoice> grantable =
                roles.stream().filter(role -> !role.isOwner()).toList();
        model.addAttribute("allRoles", roles);
        model.addAttribute("grantableRoles", grantable);
        model.addAttribute(
                "grantableCodes", grantable.stream().map(RoleChoice::code).toList());
        model.addAttribute("roleNames", names);
    }

    /** A role a list offers: its code and the name a person reads (a custom role's configured name). */
    record RoleChoice(String code, String name) {

        /** The name shown, as the templates ask for it. */
        public String displayName() {
            return name;
        }

        boolean isOwner() {
            return "OWNER".equals(code);
        }
    }

    /** The administrator with the permissions the API applies to them (token or stored, as configured). */
    Caller caller(ConsoleUser user) {
        return access.withPermissions(user.caller());
    }

    /** The items of an API page. */
    static List<?> items(Map<String, Object> page) {
        return page.get("items") instanceof List<?> items ? items : List.of();
    }

    /** The values the given API items have for {@code field}, those that have one. */
    static List<String> values(List<?> items, String field) {
        return items.stream()
                .filter(Map.class::isInstance)
                .map(item -> ((Map<?, ?>) item).get(field))
                .filter(java.util.Objects::nonNull)
                .map(Object::toString)
                .toList();
    }

    /**
     * An account list of a console form that names accounts by ticking them: the Users page's bulk bar
     * and invitation, and a review's form to change. The accounts ticked come first, ticked, those of the
     * portfolio only, in the order given; then the accounts found (the first ones by name, or those a
     * name search found), to tick. The list holds at most {@code account-choices} accounts in all, also
     * when the ticked ones were found by several searches: that keeps a console form within the fields
     * the gateway reads ({@link ConsoleErrorPages#largestForm}). A list that leaves out accounts says so
     * in its {@link AccountList#note}.
     *
     * @param ticked the accounts ticked, by id, with the role chosen on each (for the invitation)
     * @param found the accounts found, by id, with their names
     */
    AccountList accountList(UUID portfolioId, Map<String, String> ticked, Map<String, String> found) {
        List<String> unnamed = ticked.keySet().stream()
                .filter(account -> !found.containsKey(account) && CanonicalUuids.parse(account) != null)
                .toList();
        Map<String, String> names = new LinkedHashMap<>(directory.accountNames(portfolioId, unnamed));
        names.putAll(found);
        int most = properties.accountChoices();
        List<AccountChoice> choices = new ArrayList<>();
        int notKept = 0;
        for (Map.Entry<String, String> account : ticked.entrySet()) {
            if (!names.containsKey(account.getKey())) {
                continue;
            }
            if (choices.size() < most) {
                choices.add(new AccountChoice(account.getKey(), names.get(account.getKey()), true, account.getValue()));
            } else {
                notKept++;
            }
        }
        int kept = choices.size();
        int leftOut = 0;
        for (Map.Entry<String, String> account : found.entrySet()) {
            if (ticked.containsKey(account.getKey())) {
                continue;
            }
            if (choices.size() < most) {
                choices.add(new AccountChoice(account.getKey(), account.getValue(), false, "SUPPORT"));
            } else {
                leftOut++;
            }
        }
        return new AccountList(choices, note(portfolioId, most, kept, notKept, leftOut));
    }

    /** What an account list that leaves out accounts says; {@code null} for one that leaves out none. */
    private static String note(UUID portfolioId, int most, int kept, int notKept, int leftOut) {
        String more =
                " For a change to more accounts at once, send it as one job through the API (POST /api/v1/portfolios/"
                        + portfolioId + "/bulk-jobs), or make it in parts of " + most + ".";
        if (notKept > 0) {
            return "A list keeps at most " + most + " accounts ticked: " + notKept + " more ticked "
                    + (notKept == 1 ? "was" : "were") + " not kept." + more;
        }
        if (kept >= most) {
            return kept + " accounts ticked, the most a list keeps: untick one to tick another." + more;
        }
        if (leftOut > 0) {
            int shown = most - kept;
            return "Showing " + shown + (shown == 1 ? " other account" : " other accounts") + " after the " + kept
                    + " ticked, as a list holds at most " + most + ": finding accounts by name narrows them.";
        }
        return null;
    }

    /**
     * An account list ({@link #accountList}).
     *
     * @param choices the accounts it offers, the ticked ones first
     * @param note what it says when it leaves out accounts: ticked ones past the most it keeps, or
     *     accounts found for want of room; {@code null} when it leaves out none
     */
    record AccountList(List<AccountChoice> choices, String note) {}

    /**
     * An account an account list offers.
     *
     * @param accountId the account's id
     * @param name its name
     * @param ticked whether it is ticked
     * @param role the role chosen on it in the invitation (Support unless changed)
     */
    record AccountChoice(String accountId, String name, boolean ticked, String role) {}

    /** The names of the accounts the given API items name in {@code accountId}, for the page to show. */
    Map<String, String> accountNames(UUID portfolioId, List<?> items) {
        return directory.accountNames(portfolioId, values(items, "accountId"));
    }

    /**
     * A redirect back to a portfolio page at the page of one of its lists that an action was made on
     * (its cursor, as the action's form carried it), so the page shows the row the action changed.
     *
     * @param pathTemplate the page's path, with {@code {portfolioId}}
     * @param cursorName the list's cursor parameter, e.g. {@code tokensCursor}
     * @param cursor the cursor the form carried; none (blank) for the list's first page
     */
    static String redirectToList(String pathTemplate, UUID portfolioId, String cursorName, String cursor) {
        return "redirect:" + listAddress(pathTemplate, portfolioId, cursorName, cursor);
    }

    /** The address of a portfolio page at the page of one of its lists, as {@link #redirectToList} leads to. */
    static String listAddress(String pathTemplate, UUID portfolioId, String cursorName, String cursor) {
        return address(pathTemplate, portfolioId, cursorName, StringUtils.hasText(cursor) ? cursor : null);
    }

    /**
     * The address of a portfolio page with one query parameter that the request brought, or none when
     * {@code value} is {@code null}. The value is a URI variable, encoded strictly (a brace, an
     * ampersand or a plus in it is sent on as itself), never a part of the address template: a brace in
     * it would be read as a variable of the template, and the address could not be built.
     *
     * @param pathTemplate the page's path, with {@code {portfolioId}}
     * @param name the parameter's name
     * @param value its value as the request brought it
     */
    static String address(String pathTemplate, UUID portfolioId, String name, String value) {
        UriComponentsBuilder address = UriComponentsBuilder.fromPath(pathTemplate);
        Map<String, Object> variables = new LinkedHashMap<>();
        variables.put("portfolioId", portfolioId);
        if (value != null) {
            address.queryParam(name, "{queryValue}");
            variables.put("queryValue", value);
        }
        return address.encode().buildAndExpand(variables).toUriString();
    }

    static String nextCursor(Map<String, Object> page) {
        Object next = page.get("nextCursor");
        return next == null ? null : next.toString();
    }

    static List<String> nonBlank(String[] values) {
        return values == null
                ? List.of()
                : Arrays.stream(values).filter(value -> !value.isBlank()).toList();
    }
}
