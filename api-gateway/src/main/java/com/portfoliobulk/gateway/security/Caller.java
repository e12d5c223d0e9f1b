package com.portfoliobulk.gateway.security;

import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * The authenticated caller, read from the bearer token: {@code sub} (user id), {@code email} and
 * {@code portfolios} (portfolio id to permissions).
 *
 * @param userId the caller's user id
 * @param email the caller's e-mail address
 * @param permissions the caller's permissions per portfolio
 */
public record Caller(UUID userId, String email, Map<UUID, Set<PortfolioPermission>> permissions) {

    public Caller {
        permissions = Map.copyOf(permissions);
    }

    /** Whether the caller may read the portfolio's users, accounts, jobs and logs. */
    public boolean canView(UUID portfolioId) {
        return !permissions.getOrDefault(portfolioId, Set.of()).isEmpty();
    }

    /** Whether the caller may preview, submit or cancel bulk jobs on the portfolio. */
    public boolean canChange(UUID portfolioId) {
        return permissions.getOrDefault(portfolioId, Set.of()).stream().anyMatch(PortfolioPermission::allowsChanges);
    }
}
