package com.portfoliobulk.gateway.directory;

import com.portfoliobulk.contracts.MembershipState;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;

/** Reads the membership columns that need more than a getter. */
final class MembershipColumns {

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
