package com.portfoliobulk.rules;

import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.contracts.MembershipState;
import java.time.Instant;
import java.util.Objects;

/**
 * A user's current access to one account.
 *
 * @param role the role held or offered
 * @param state active access or a pending invitation
 * @param expiresAt when a pending invitation expires; {@code null} for active access
 */
public record CurrentMembership(AccountRole role, MembershipState state, Instant expiresAt) {

    public CurrentMembership {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(state, "state");
    }

    public static CurrentMembership active(AccountRole role) {
        return new CurrentMembership(role, MembershipState.ACTIVE, null);
    }

    /** Whether this still gives or offers access at {@code now}: active, or invited and not expired. */
    public boolean isInForceAt(Instant now) {
        return state == MembershipState.ACTIVE || expiresAt == null || expiresAt.isAfter(now);
    }
}
