package com.portfoliobulk.contracts;

import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/**
 * One applied change on {@link Topics#ACCOUNT_ACTIVITY}, keyed by the account id. The event id is the
 * task id, so a re-published event (after a redelivery) is recognised as the same event; for a link
 * change (the account linked to or unlinked from the portfolio) it is the id of that change, and for
 * an invitation's expiry or acceptance (no task made them) an id derived from the invitation.
 *
 * @param v the schema version of this record, {@link #VERSION}
 * @param eventId equal to {@code taskId}: the same for every publication of the task's change, and for
 *     the task applied again after a restore of the database undid its first application (the
 *     activity log gives that one an entry of its own, by its {@code occurredAt})
 * @param occurredAt when the change was committed
 * @param accountId the account whose access changed
 * @param portfolioId the portfolio the change was initiated from
 * @param jobId the bulk job; {@code null} for a link change ({@link ActivityAction#isLinkChange})
 * @param taskId the task that applied the change; {@code null} for a link change
 * @param action what changed
 * @param targetUser the user whose access changed; {@code null} for a link change
 * @param previousRole the role before ({@code null} for an invitation)
 * @param newRole the role after ({@code null} for a removal)
 * @param initiatedFrom always {@link InitiationLevel#PORTFOLIO} for bulk changes
 * @param actor the portfolio administrator who requested the job, or the portfolio's identity provider;
 *     for an accepted invitation, the invitee
 * @param previousRoleName the name the portfolio configured for {@code previousRole} when it is a custom
 *     account role; otherwise {@code null} (absent from events written before it existed)
 * @param newRoleName the same for {@code newRole}
 */
public record AccountActivityEvent(
        int v,
        UUID eventId,
        Instant occurredAt,
        UUID accountId,
        UUID portfolioId,
        UUID jobId,
        UUID taskId,
        ActivityAction action,
        UserRef targetUser,
        AccountRole previousRole,
        AccountRole newRole,
        InitiationLevel initiatedFrom,
        Actor actor,
        String previousRoleName,
        String newRoleName) {

    /** The current schema version. */
    public static final int VERSION = 1;

    public AccountActivityEvent {
        Objects.requireNonNull(eventId, "eventId");
        Objects.requireNonNull(occurredAt, "occurredAt");
        Objects.requireNonNull(accountId, "accountId");
        Objects.requireNonNull(portfolioId, "portfolioId");
        Objects.requireNonNull(action, "action");
        if (!action.isLinkChange()) {
            Objects.requireNonNull(jobId, "jobId");
            Objects.requireNonNull(taskId, "taskId");
            Objects.requireNonNull(targetUser, "targetUser");
        }
        Objects.requireNonNull(initiatedFrom, "initiatedFrom");
        Objects.requireNonNull(actor, "actor");
        if (v != VERSION) {
            throw new IllegalArgumentException("Unsupported activity schema version " + v + "; expected " + VERSION);
        }
    }

    /**
     * The event of a change of {@code accountId}'s link to {@code portfolioId} (an action for which
     * {@link ActivityAction#isLinkChange} holds), with no job, task or target user.
     *
     * @param eventId the change's id, the same for every publication of it
     */
    public static AccountActivityEvent linkChange(
            UUID eventId, UUID portfolioId, UUID accountId, ActivityAction action, Instant occurredAt, Actor actor) {
        return new AccountActivityEvent(
                VERSION,
                eventId,
                occurredAt,
                accountId,
                portfolioId,
                null,
                null,
                action,
                null,
                null,
                null,
                InitiationLevel.PORTFOLIO,
                actor,
                null,
                null);
    }

    /** This event with the configured names of its custom account roles ({@code null} for a standard one). */
    public AccountActivityEvent withRoleNames(String previousRoleName, String newRoleName) {
        return new AccountActivityEvent(
                v,
                eventId,
                occurredAt,
                accountId,
                portfolioId,
                jobId,
                taskId,
                action,
                targetUser,
                previousRole,
                newRole,
                initiatedFrom,
                actor,
                previousRoleName,
                newRoleName);
    }
}
