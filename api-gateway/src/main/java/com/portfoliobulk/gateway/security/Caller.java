package com.portfoliobulk.gateway.security;

import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * The authenticated caller: {@code sub} (user id) and {@code email} from the bearer token, and their
 * permissions per portfolio, from the database (the portfolio users and roles) or, where the identity
 * provider is the source of permissions, from the token's {@code portfolios} claim.
 *
 * @param userId the caller's user id; {@code null} only for the console's sign-in of someone whose
 *     token's {@code sub} is not a user id of the product, who holds no permission and can only accept
 *     invitations
 * @param email the caller's e-mail address
 * @param permissions the caller's permissions per portfolio
 */
public record Caller(UUID userId, String email, Map<UUID, Set<PortfolioPermission>> permissions) {

    public Caller {
        permissions = Map.copyOf(permissions);
    }

    /**
     * Whether the caller may read the portfolio's users, accounts, jobs and logs: the Owner, User
     * Management EDIT or VIEW.
     */
    public boolean canView(UUID portfolioId) {
        return permissions.getOrDefault(portfolioId, Set.of()).stream().anyMatch(PortfolioPermission::allowsReading);
    }

    /** Whether the caller holds any permission on the portfolio (its console opens for them). */
    public boolean isMember(UUID portfolioId) {
        return !permissions.getOrDefault(portfolioId, Set.of()).isEmpty();
    }

    /** Whether the caller may preview, submit or cancel bulk jobs on the portfolio. */
    public boolean canChange(UUID portfolioId) {
        return permissions.getOrDefault(portfolioId, Set.of()).stream().anyMatch(PortfolioPermission::allowsChanges);
    }

    /** Whether the caller holds {@code permission} on the portfolio; the Owner holds every one. */
    public boolean has(UUID portfolioId, PortfolioPermission permission) {
        Set<PortfolioPermission> granted = permissions.getOrDefault(portfolioId, Set.of());
        return granted.contains(permission) || granted.contains(PortfolioPermission.OWNER);
    }

    /** Whether the caller is the Portfolio Owner. */
    public boolean isOwner(UUID portfolioId) {
        return permissions.getOrDefault(portfolioId, Set.of()).contains(PortfolioPermission.OWNER);
    }
}
