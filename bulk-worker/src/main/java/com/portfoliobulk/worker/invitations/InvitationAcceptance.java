package com.portfoliobulk.worker.invitations;

import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Turns a pending invitation into an active membership. In one transaction: the {@code INVITED}
 * membership with the token is locked, checked (the caller's e-mail address must be the invitee's,
 * the invitation must not have expired) and made {@code ACTIVE}, and its token is cleared so that it
 * cannot be used again. Two acceptances racing with one token: the second waits for the first's
 * lock, then finds no membership with that token any more.
 */
@Service
class InvitationAcceptance {

    private final JdbcClient jdbc;

    InvitationAcceptance(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    @Transactional
    Outcome accept(String token, String email) {
        Optional<Invitation> found = jdbc.sql("""
                        SELECT m.account_id, m.user_id, m.role, m.state, u.email,
                               m.expires_at IS NOT NULL AND m.expires_at <= now() AS expired
                        FROM directory.memberships m
                        JOIN directory.users u ON u.id = m.user_id
                        WHERE m.invitation_token = :token
                        FOR UPDATE OF m
                        """)
                .param("token", token)
                .query((row, n) -> new Invitation(
                        row.getObject("account_id", UUID.class),
                        row.getObject("user_id", UUID.class),
                        row.getString("role"),
                        row.getString("state"),
                        row.getString("email"),
                        row.getBoolean("expired")))
                .optional();
        if (found.isEmpty()) {
            return new Outcome(Result.UNKNOWN, null);
        }
        Invitation invitation = found.get();
        if (!invitation.email().equals(email.strip().toLowerCase(Locale.ROOT))) {
            return new Outcome(Result.ANOTHER_ADDRESS, null);
        }
        if ("ACTIVE".equals(invitation.state())) {
            return new Outcome(Result.ACCEPTED, invitation.membership());
        }
        if (invitation.expired()) {
            return new Outcome(Result.EXPIRED, null);
        }
        jdbc.sql("""
                        UPDATE directory.memberships
                        SET state = 'ACTIVE', invitation_token = NULL, updated_at = now()
                        WHERE account_id = :accountId AND user_id = :userId
                        """)
                .param("accountId", invitation.accountId())
                .param("userId", invitation.userId())
                .update();
        return new Outcome(Result.ACCEPTED, invitation.membership());
    }

    /** What became of an acceptance. */
    enum Result {
        ACCEPTED,
        /** No membership has that token: it never existed, was revoked or was used already. */
        UNKNOWN,
        EXPIRED,
        ANOTHER_ADDRESS
    }

    /**
     * @param result what happened
     * @param membership the active membership, when accepted
     */
    record Outcome(Result result, AcceptedInvitation membership) {}

    private record Invitation(UUID accountId, UUID userId, String role, String state, String email, boolean expired) {

        AcceptedInvitation membership() {
            return new AcceptedInvitation(accountId, role, "ACTIVE");
        }
    }
}
