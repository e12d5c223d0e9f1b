package com.portfoliobulk.gateway.console;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.contracts.JobStatus;
import com.portfoliobulk.contracts.JobType;
import com.portfoliobulk.contracts.ReasonCode;
import com.portfoliobulk.contracts.TaskStatus;
import com.portfoliobulk.gateway.security.Caller;
import com.portfoliobulk.gateway.security.PortfolioAccess;
import com.portfoliobulk.gateway.web.NotFoundException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.stereotype.Component;
import org.springframework.ui.Model;

/** What every portfolio page shows: the portfolio, who is signed in, what they may do, the choices. */
@Component
class ConsolePages {

    /** The roles a bulk change may give (never Owner). */
    static final List<AccountRole> GRANTABLE_ROLES =
            AccountRole.standardRoles().stream().filter(role -> !role.isOwner()).toList();

    private final ConsoleDirectory directory;

    private final ConsoleProperties properties;

    private final PortfolioAccess access;

    ConsolePages(ConsoleDirectory directory, ConsoleProperties properties, PortfolioAccess access) {
        this.access = access;
        this.directory = directory;
        this.properties = properties;
    }

    int pageSize() {
        return properties.pageSize();
    }

    int accountChoices() {
        return properties.accountChoices();
    }

    /**
     * Adds the portfolio and the administrator to the model; 404 when the administrator has no
     * permission on the portfolio or it does not exist (the API would answer the same).
     */
    void portfolio(Model model, ConsoleUser user, UUID portfolioId, String section) {
        Caller caller = caller(user);
        if (!caller.canView(portfolioId)) {
            throw new NotFoundException("No such portfolio");
        }
        ConsoleDirectory.Portfolio portfolio = directory.portfolios(List.of(portfolioId)).stream()
                .findFirst()
                .orElseThrow(() -> new NotFoundException("No such portfolio"));
        model.addAttribute("portfolio", portfolio);
        model.addAttribute("me", user.email());
        model.addAttribute("canChange", caller.canChange(portfolioId));
        model.addAttribute("section", section);
        model.addAttribute("allRoles", AccountRole.standardRoles());
        model.addAttribute("grantableRoles", GRANTABLE_ROLES);
        model.addAttribute("jobStatuses", JobStatus.values());
        model.addAttribute("jobTypes", JobType.values());
        model.addAttribute("taskStatuses", TaskStatus.values());
        model.addAttribute("reasons", ReasonCode.values());
    }

    /** The administrator with the permissions the API applies to them (token or stored, as configured). */
    Caller caller(ConsoleUser user) {
        return access.withPermissions(user.caller());
    }

    /** The items of an API page. */
    static List<?> items(Map<String, Object> page) {
        return page.get("items") instanceof List<?> items ? items : List.of();
    }

    /** The names of the accounts the given API items name in {@code accountId}, for the page to show. */
    Map<String, String> accountNames(UUID portfolioId, List<?> items) {
        List<String> ids = items.stream()
                .filter(Map.class::isInstance)
                .map(item -> ((Map<?, ?>) item).get("accountId"))
                .filter(java.util.Objects::nonNull)
                .map(Object::toString)
                .toList();
        return directory.accountNames(portfolioId, ids);
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
