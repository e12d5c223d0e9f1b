package com.portfoliobulk.gateway.portfolio;

import com.portfoliobulk.gateway.security.BuiltInPortfolioRole;
import com.portfoliobulk.gateway.security.Caller;
import com.portfoliobulk.gateway.security.PortfolioPermission;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Whose portfolio role a caller may change, and which roles they may grant: the rule the API applies
 * to each change ({@link PortfolioAdministration}) and the console's Administration page shows, so
 * the page offers a change exactly where the API accepts it. Roles are named by code, permissions by
 * name, as the API's answers carry them.
 *
 * <p>No one but the Owner hands out more than they hold: a caller who is not the Owner grants only
 * roles of permissions they hold, and none that manages portfolio users (that power, ADMIN's or a
 * custom role's, is the Owner's to give); changes only portfolio users whose role has no permission
 * they lack, and no Admin; and no one changes their own role. The Owner's role changes only by an
 * Owner transfer.
 */
public final class PortfolioRoleRules {

    /** Why a change is refused. */
    public enum Refusal {
        /** The portfolio user is the Owner, or the role granted is Owner: ownership is transferred. */
        OWNER,
        /** The portfolio user is the caller: no one changes their own role. */
        OWN_ROLE,
        /** The portfolio user is an Admin, or the role granted is Admin, and the caller is not the Owner. */
        ADMIN,
        /** The role (the portfolio user's, or the one granted) has permissions the caller lacks. */
        LACKING,
        /** The role granted manages portfolio users, and the caller is not the Owner. */
        MANAGES_USERS
    }

    private PortfolioRoleRules() {}

    /**
     * Why the caller may not change the role of this portfolio user, whatever the new role; none when
     * they may (to a role {@link #grantRefusal} allows).
     *
     * @param userId the portfolio user
     * @param role the code of their role
     * @param permissions the permissions of their role
     */
    public static Optional<Refusal> changeRefusal(
            Caller caller, UUID portfolioId, UUID userId, String role, Collection<String> permissions) {
        if (BuiltInPortfolioRole.OWNER.name().equals(role)) {
            return Optional.of(Refusal.OWNER);
        }
        if (userId.equals(caller.userId())) {
            return Optional.of(Refusal.OWN_ROLE);
        }
        return holderRefusal(caller, portfolioId, role, permissions);
    }

    /**
     * Why the caller may not change or remove a portfolio user (not the Owner) who holds this role: an
     * Admin, unless the caller is the Owner, or a role with permissions the caller lacks.
     */
    public static Optional<Refusal> holderRefusal(
            Caller caller, UUID portfolioId, String role, Collection<String> permissions) {
        if (BuiltInPortfolioRole.ADMIN.name().equals(role) && !caller.isOwner(portfolioId)) {
            return Optional.of(Refusal.ADMIN);
        }
        if (!lacking(caller, portfolioId, permissions).isEmpty()) {
            return Optional.of(Refusal.LACKING);
        }
        return Optional.empty();
    }

    /**
     * Why the caller may not grant the role of this code and these permissions; none when they may.
     * The Owner grants every role but Owner.
     */
    public static Optional<Refusal> grantRefusal(
            Caller caller, UUID portfolioId, String code, Collection<String> permissions) {
        if (BuiltInPortfolioRole.OWNER.name().equals(code)) {
            return Optional.of(Refusal.OWNER);
        }
        if (BuiltInPortfolioRole.ADMIN.name().equals(code) && !caller.isOwner(portfolioId)) {
            return Optional.of(Refusal.ADMIN);
        }
        if (!lacking(caller, portfolioId, permissions).isEmpty()) {
            return Optional.of(Refusal.LACKING);
        }
        if (!caller.isOwner(portfolioId) && permissions.contains(PortfolioPermission.PORTFOLIO_USERS_MANAGE.name())) {
            // As ADMIN itself: a custom role with ADMIN's permissions is not a way around the Owner.
            return Optional.of(Refusal.MANAGES_USERS);
        }
        return Optional.empty();
    }

    /**
     * Those of the named permissions the caller does not hold on the portfolio, in their order; none for
     * the Owner. A name this gateway does not know counts as lacking: it cannot vouch for it.
     */
    public static List<String> lacking(Caller caller, UUID portfolioId, Collection<String> permissionNames) {
        return permissionNames.stream()
                .filter(name -> permission(name)
                        .map(permission -> !caller.has(portfolioId, permission))
                        .orElse(true))
                .toList();
    }

    private static Optional<PortfolioPermission> permission(String name) {
        try {
            return Optional.of(PortfolioPermission.valueOf(name));
        } catch (IllegalArgumentException | NullPointerException ex) {
            return Optional.empty();
        }
    }
}
