package com.portfoliobulk.gateway.security;

import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/** The portfolio roles every portfolio has; a portfolio may add custom ones. */
public enum BuiltInPortfolioRole {
    /** Exactly one per portfolio; changes only by an accepted Owner transfer. */
    OWNER("Owner", EnumSet.allOf(PortfolioPermission.class)),
    ADMIN(
            "Admin",
            EnumSet.of(
                    PortfolioPermission.USER_MANAGEMENT_VIEW,
                    PortfolioPermission.USER_MANAGEMENT_EDIT,
                    PortfolioPermission.PORTFOLIO_USERS_MANAGE,
                    PortfolioPermission.ACCOUNT_ROLES_MANAGE)),
    USER_MANAGEMENT_EDIT(
            "User Management EDIT",
            EnumSet.of(PortfolioPermission.USER_MANAGEMENT_VIEW, PortfolioPermission.USER_MANAGEMENT_EDIT)),
    USER_MANAGEMENT_VIEW("User Management VIEW", EnumSet.of(PortfolioPermission.USER_MANAGEMENT_VIEW));

    private final String displayName;

    private final Set<PortfolioPermission> permissions;

    BuiltInPortfolioRole(String displayName, Set<PortfolioPermission> permissions) {
        this.displayName = displayName;
        this.permissions = permissions;
    }

    public String displayName() {
        return displayName;
    }

    public Set<PortfolioPermission> permissions() {
        return EnumSet.copyOf(permissions);
    }

    /** The built-in role with this code, if it is one. */
    public static Optional<BuiltInPortfolioRole> of(String code) {
        for (BuiltInPortfolioRole role : values()) {
            if (role.name().equals(code)) {
                return Optional.of(role);
            }
        }
        return Optional.empty();
    }
}
