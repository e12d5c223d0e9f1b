package com.portfoliobulk.gateway.console;

import com.portfoliobulk.contracts.InvitationLanguages;
import com.portfoliobulk.gateway.web.CanonicalUuids;
import jakarta.annotation.PreDestroy;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;

/**
 * The portfolio's pages to read: the portfolios to choose from, the Users tab, a user's profile,
 * the linked accounts and an account's activity log.
 */
@Controller
class PortfolioController {

    /** The profile's {@code access} that lists only the accounts where the user has a membership. */
    private static final String ONLY_MEMBERSHIPS = "MEMBERSHIP";

    private final GatewayApi api;

    private final ConsolePages pages;

    private final ConsoleDirectory directory;

    /** A virtual thread per task: the calls it runs wait on the API, not on the CPU. */
    private final ExecutorService background = Executors.newVirtualThreadPerTaskExecutor();

    PortfolioController(GatewayApi api, ConsolePages pages, ConsoleDirectory directory) {
        this.api = api;
        this.pages = pages;
        this.directory = directory;
    }

    @PreDestroy
    void stop() {
        background.shutdown();
    }

    /** The console's home, also at the address with a trailing slash, as a browser often completes it. */
    @GetMapping({"/console", "/console/"})
    String home(ConsoleUser user, Model model) {
        var portfolios = directory.portfolios(pages.caller(user).permissions().entrySet().stream()
                .filter(entry -> !entry.getValue().isEmpty())
                .map(Map.Entry::getKey)
                .toList());
        if (portfolios.size() == 1) {
            return "redirect:/console/portfolios/" + portfolios.getFirst().id();
        }
        model.addAttribute("me", user.email());
        model.addAttribute("portfolios", portfolios);
        return "console/portfolios";
    }

    /**
     * A portfolio's first page for the administrator: its users, or its administration for a role that
     * administers the portfolio without reading its users (portfolio users or account roles only).
     */
    @GetMapping("/console/portfolios/{portfolioId}")
    String portfolio(ConsoleUser user, @PathVariable UUID portfolioId) {
        boolean reads = pages.caller(user).canView(portfolioId);
        return "redirect:/console/portfolios/" + portfolioId + (reads ? "/users" : "/admin");
    }

    /**
     * The Users tab. An htmx request for the results (search, filters, paging) gets just the table,
     * whose URL is pushed to the history, so the page also works without JavaScript.
     */
    @GetMapping("/console/portfolios/{portfolioId}/users")
    String users(
            ConsoleUser user,
            @PathVariable UUID portfolioId,
            @RequestParam(required = false) String q,
            @RequestParam(required = false) String role,
            @RequestParam(required = false) String accountId,
            @RequestParam(required = false) String accountName,
            @RequestParam(required = false) String cursor,
            @RequestHeader(name = "HX-Request", required = false) String htmx,
            @RequestHeader(name = "HX-Target", required = false) String target,
            Model model) {
        pages.portfolio(model, user, portfolioId, "users");
        boolean resultsOnly = htmx != null && "results".equals(target);
        if (resultsOnly) {
            // The table alone (each search keystroke, filter or page): it shows the users' roles by
            // name, but neither the role lists nor the account lists, so neither is read.
            pages.roleNames(model, portfolioId);
            users(model, user, portfolioId, q, role, accountId, accountName, cursor);
            UUID filtered = CanonicalUuids.parse(accountId);
            model.addAttribute("accountId", filtered == null ? accountId : filtered.toString());
            return "console/users :: results";
        }
        pages.accountRoles(model, user, portfolioId);
        // The account choices are read alongside the page of users, not after it.
        Future<Map<String, Object>> choices =
                background.submit(() -> api.accounts(user, portfolioId, accountName, pages.accountChoices(), null));
        users(model, user, portfolioId, q, role, accountId, accountName, cursor);
        accountChoices(model, portfolioId, result(choices), accountId, Map.of(), Map.of());
        model.addAttribute("invitationLanguages", InvitationLanguages.NAMES);
        // The bulk bar's and the invitation's reviews, made again from this showing, confirm into one job.
        model.addAttribute(ReviewKeys.FORM_KEY, ReviewKeys.newFormKey());
        return "console/users";
    }

    /** The Users table: one page of users for the search and filters, and what its links carry. */
    private void users(
            Model model,
            ConsoleUser user,
            UUID portfolioId,
            String q,
            String role,
            String accountId,
            String accountName,
            String cursor) {
        Map<String, Object> users = api.users(user, portfolioId, q, role, accountId, pages.pageSize(), cursor);
        model.addAttribute("users", ConsolePages.items(users));
        model.addAttribute("nextCursor", ConsolePages.nextCursor(users));
        model.addAttribute("firstPage", cursor == null || cursor.isBlank());
        model.addAttribute("q", q);
        model.addAttribute("role", role);
        model.addAttribute("accountName", accountName);
    }

    /**
     * "Find accounts by name" of the Users page, made by htmx: the page's three account lists (the
     * Account filter, the bulk bar's accounts, the invitation's accounts with a role on each) for the
     * name, swapped in without serving the page again, so that nothing typed, chosen or ticked on it is
     * lost. The accounts ticked in a list ({@code pickedAccountIds} in the bulk bar, {@code
     * invitedAccountIds} with {@code role-<id>} in the invitation) stay in it, ticked, first, also when
     * the name does not find them; so one change can name accounts found by several searches. A list
     * holds at most {@code account-choices} accounts, the ticked ones first, and says so when it leaves
     * some out ({@link ConsolePages#accountList}): the forms stay within the fields the gateway reads. A POST,
     * changing nothing: the ticked accounts of an invitation to many would not fit in an address. Sent
     * without the page script, it leads to the Users page with the accounts found.
     */
    @PostMapping("/console/portfolios/{portfolioId}/account-choices")
    @ConsoleAdvice.SafeToSendAgain("finding accounts changes nothing")
    String findAccounts(
            ConsoleUser user,
            @PathVariable UUID portfolioId,
            @RequestParam(required = false) String accountName,
            @RequestParam(required = false) String accountId,
            @RequestParam(required = false) String[] pickedAccountIds,
            @RequestParam(required = false) String[] invitedAccountIds,
            @RequestParam Map<String, String> form,
            @RequestHeader(name = "HX-Request", required = false) String htmx,
            Model model) {
        if (htmx == null) {
            return "redirect:"
                    + ConsolePages.address(
                            "/console/portfolios/{portfolioId}/users", portfolioId, "accountName", accountName);
        }
        pages.portfolio(model, user, portfolioId, "users");
        pages.accountRoles(model, user, portfolioId);
        model.addAttribute("accountName", accountName);
        Map<String, String> picked = new LinkedHashMap<>();
        ConsolePages.nonBlank(pickedAccountIds).forEach(account -> picked.put(account, ""));
        Map<String, String> invited = new LinkedHashMap<>();
        ConsolePages.nonBlank(invitedAccountIds)
                .forEach(account -> invited.put(account, form.getOrDefault("role-" + account, "SUPPORT")));
        accountChoices(
                model,
                portfolioId,
                api.accounts(user, portfolioId, accountName, pages.accountChoices(), null),
                accountId,
                picked,
                invited);
        return "console/account-choices";
    }

    /**
     * The Users page's account lists: the accounts found (the first ones by name, or those the name
     * search found) for the Account filter, with the account it filters by first when they leave it
     * out; and for the bulk bar and the invitation, the accounts ticked in each first, ticked (with the
     * role chosen on each, for the invitation), then the accounts found, to tick, at most {@code
     * account-choices} in each ({@link ConsolePages#accountList}).
     *
     * @param picked the accounts ticked in the bulk bar, by id
     * @param invited the accounts ticked in the invitation, by id, with the role chosen on each
     */
    private void accountChoices(
            Model model,
            UUID portfolioId,
            Map<String, Object> found,
            String accountId,
            Map<String, String> picked,
            Map<String, String> invited) {
        List<?> accounts = ConsolePages.items(found);
        UUID filtered = CanonicalUuids.parse(accountId);
        model.addAttribute("accounts", withFilteredAccount(portfolioId, filtered, accounts));
        model.addAttribute("foundAccounts", accounts.size());
        model.addAttribute("moreAccounts", ConsolePages.nextCursor(found) != null);
        model.addAttribute("accountId", filtered == null ? accountId : filtered.toString());
        Map<String, String> names = new LinkedHashMap<>();
        for (Object item : accounts) {
            if (item instanceof Map<?, ?> account && account.get("accountId") != null) {
                names.put(account.get("accountId").toString(), String.valueOf(account.get("name")));
            }
        }
        model.addAttribute("accountChoices", pages.accountChoices());
        model.addAttribute("bulkAccounts", pages.accountList(portfolioId, picked, names));
        model.addAttribute("inviteAccounts", pages.accountList(portfolioId, invited, names));
    }

    /**
     * The account choices with the account the table is filtered by first, when the choices (the
     * first accounts by name, or those the name search found) leave it out: the Account list then
     * still shows the filter in force, and the next search keeps it.
     */
    private List<?> withFilteredAccount(UUID portfolioId, UUID filtered, List<?> choices) {
        if (filtered == null
                || choices.stream()
                        .anyMatch(choice -> choice instanceof Map<?, ?> account
                                && filtered.toString().equals(account.get("accountId")))) {
            return choices;
        }
        return directory
                .accountName(portfolioId, filtered)
                .<List<?>>map(name -> {
                    List<Object> withIt = new ArrayList<>();
                    withIt.add(Map.of("accountId", filtered.toString(), "name", name));
                    withIt.addAll(choices);
                    return withIt;
                })
                .orElse(choices);
    }

    private static <T> T result(Future<T> future) {
        try {
            return future.get();
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while reading the accounts", ex);
        } catch (ExecutionException ex) {
            if (ex.getCause() instanceof RuntimeException cause) {
                throw cause;
            }
            throw new IllegalStateException(ex.getCause());
        }
    }

    /**
     * A user's profile: every linked account with the user's access there, or with {@code
     * access=MEMBERSHIP} (where the Users page's "+ N more accounts" leads) only the accounts where
     * they have access or a pending invitation.
     */
    @GetMapping("/console/portfolios/{portfolioId}/users/{userId}")
    String profile(
            ConsoleUser user,
            @PathVariable UUID portfolioId,
            @PathVariable UUID userId,
            @RequestParam(required = false) String access,
            @RequestParam(required = false) String cursor,
            Model model) {
        pages.portfolio(model, user, portfolioId, "users");
        pages.accountRoles(model, user, portfolioId);
        boolean membershipsOnly = ONLY_MEMBERSHIPS.equals(access);
        Map<String, Object> profile = api.profile(
                user, portfolioId, userId, membershipsOnly ? ONLY_MEMBERSHIPS : null, pages.pageSize(), cursor);
        model.addAttribute("profile", profile);
        model.addAttribute("membershipsOnly", membershipsOnly);
        model.addAttribute("accounts", ConsolePages.items(profile));
        model.addAttribute("invitationLanguages", InvitationLanguages.NAMES);
        model.addAttribute("nextCursor", ConsolePages.nextCursor(profile));
        // A role selector's review, made again from this showing, confirms into one job.
        model.addAttribute(ReviewKeys.FORM_KEY, ReviewKeys.newFormKey());
        return "console/profile";
    }

    @GetMapping("/console/portfolios/{portfolioId}/accounts")
    String accounts(
            ConsoleUser user,
            @PathVariable UUID portfolioId,
            @RequestParam(required = false) String q,
            @RequestParam(required = false) String cursor,
            Model model) {
        pages.portfolio(model, user, portfolioId, "accounts");
        Map<String, Object> accounts = api.accounts(user, portfolioId, q, pages.pageSize(), cursor);
        model.addAttribute("accounts", ConsolePages.items(accounts));
        model.addAttribute("nextCursor", ConsolePages.nextCursor(accounts));
        model.addAttribute("q", q);
        return "console/accounts";
    }

    @GetMapping("/console/portfolios/{portfolioId}/accounts/{accountId}/activity")
    String activity(
            ConsoleUser user,
            @PathVariable UUID portfolioId,
            @PathVariable UUID accountId,
            @RequestParam(required = false) String cursor,
            Model model) {
        pages.portfolio(model, user, portfolioId, "accounts");
        Map<String, Object> entries = api.activityLog(user, portfolioId, accountId, pages.pageSize(), cursor);
        model.addAttribute("accountId", accountId);
        model.addAttribute(
                "accountName", directory.accountName(portfolioId, accountId).orElse(accountId.toString()));
        List<?> items = ConsolePages.items(entries);
        model.addAttribute("entries", items);
        model.addAttribute("nextCursor", ConsolePages.nextCursor(entries));
        model.addAttribute("jobs", directory.jobs(portfolioId, ConsolePages.values(items, "jobId")));
        return "console/activity";
    }
}
