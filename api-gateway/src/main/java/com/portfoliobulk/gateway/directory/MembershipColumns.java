package com.portfoliobulk.gateway.directory;

import com.portfoliobulk.contracts.MembershipState;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;

/**
 * Which memberships the directory's reads show, and every other read that decides who has access (a
 * job's targets, a SCIM user's access again, a user the portfolio knows); and the membership columns
 * that need more than a getter.
 */
public final class MembershipColumns {

    /**
     * The condition, on a membership aliased {@code m}, that it is in force: active access, or an
     * invitation that has not expired. An expired invitation counts as no access (the address can be
     * invited again) from its expiry on, although its row stays until the bulk-worker's expiry sweep
     * deletes it; the database's clock decides, as it does for the sweep.
     */
    public static final String IN_FORCE = "(m.state = 'ACTIVE' OR m.expires_at > now())";

    private MembershipColumns() {}

    /**
     * The expiry of a pending invitation from the {@code expires_at} column; {@code null} for active
     * access, whose row may still carry the expiry of the invitation it came from.
     */
    static Instant expiresAt(ResultSet rs, MembershipState state) throws SQLException {
        if (state != MembershipState.INVITED) {
            return null;
        }
        OffsetDateTime expiresAt = rs.getObject("expires_at", OffsetDateTime.class);
        return expiresAt == null ? null : expiresAt.toInstant();
    }
}
