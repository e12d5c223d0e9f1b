package com.portfoliobulk.worker.expiry;

import com.portfoliobulk.contracts.AccountActivityEvent;
import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.contracts.ActivityAction;
import com.portfoliobulk.contracts.Actor;
import com.portfoliobulk.contracts.InitiationLevel;
import com.portfoliobulk.contracts.UserRef;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.UUID;

/**
 * An invitation whose expiry has passed, ended by the {@link InvitationExpirySweep} or renewed in place
 * by a new invitation of the same user to the same account before the sweep got to it. Both log its end
 * with {@link #event}: the same entry with the same id, derived from the invitation (account, user,
 * expiry), so the activity log records it once whichever of them publishes it, or both.
 *
 * @param email the invitee's address
 * @param role the role the invitation offered
 * @param jobId the job that created or last resent it; {@code null} when no job of this service did
 * @param inviter the requester of that job; {@code null} without one
 */
public record ExpiredInvitation(
        UUID accountId, UUID userId, String email, AccountRole role, Instant expiresAt, UUID jobId, Actor inviter) {

    /** Stands for "no job" (and no inviter) in the entries of invitations that no job of this service created. */
    /** The job id of entries of an invitation no job made (seeded ones, and those from before jobs were named). */
    public static final UUID NO_JOB = new UUID(0, 0);

    /**
     * The {@code INVITATION_EXPIRED} entry of the account's activity log, dated at the expiry.
     *
     * @param portfolioId the portfolio the account is linked to
     */
    public AccountActivityEvent event(UUID portfolioId) {
        UUID eventId = UUID.nameUUIDFromBytes(
                ("invitation-expired:" + accountId + ":" + userId + ":" + expiresAt).getBytes(StandardCharsets.UTF_8));
        return new AccountActivityEvent(
                AccountActivityEvent.VERSION,
                eventId,
                expiresAt,
                accountId,
                portfolioId,
                jobId == null ? NO_JOB : jobId,
                eventId,
                ActivityAction.INVITATION_EXPIRED,
                new UserRef(userId, email),
                role,
                null,
                InitiationLevel.PORTFOLIO,
                inviter == null ? new Actor(NO_JOB, "") : inviter,
                null,
                null);
    }
}
