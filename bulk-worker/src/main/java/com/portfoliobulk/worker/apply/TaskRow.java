package com.portfoliobulk.worker.apply;

import com.portfoliobulk.contracts.AccountActivityEvent;
import com.portfoliobulk.contracts.AccountRole;
import com.portfoliobulk.contracts.Actor;
import com.portfoliobulk.contracts.BulkTaskMessage;
import com.portfoliobulk.contracts.InitiationLevel;
import com.portfoliobulk.contracts.JobStatus;
import com.portfoliobulk.contracts.JobType;
import com.portfoliobulk.contracts.TaskAction;
import com.portfoliobulk.contracts.TaskStatus;
import com.portfoliobulk.contracts.UserRef;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/**
 * A task row as stored by the api-gateway, with the fields of its job the worker needs. The row, not
 * the Kafka record, is the source of truth for what the task does.
 *
 * @param seq the task's place in submission order (over all jobs), which per-account order follows
 * @param plannedAt when the task was planned: stored by its job's submission, the time of its statement
 *     that read the account's link (the check of the accounts the request names; an offboarding's plan)
 *     (a task planned before its account's last unlink is not applied)
 * @param expiresAt the expiry its job's submission set for the invitation the task makes or renews
 *     ({@code expiresInDays} times 24 hours after {@code submittedAt}); see {@link #invitationExpiry}
 * @param submittedAt when its job was submitted (the job's {@code created_at}: the time of the submission's
 *     transaction, which {@code expiresAt} counts from)
 * @param userEmail the e-mail of the task's user, when the task names an existing user
 */
record TaskRow(
        UUID id,
        long seq,
        UUID jobId,
        UUID accountId,
        UUID userId,
        String email,
        TaskAction action,
        AccountRole role,
        String language,
        Instant expiresAt,
        TaskStatus status,
        AccountRole previousRole,
        Instant appliedAt,
        Instant plannedAt,
        UUID portfolioId,
        JobType jobType,
        JobStatus jobStatus,
        Instant submittedAt,
        Actor requestedBy,
        String userEmail) {

    /**
     * How long after its job's submission an invitation or a resend may be applied and keep the expiry the
     * submission set, to the microsecond; one applied later gets the job's whole period from when it is
     * applied.
     */
    static final Duration PROMPT = Duration.ofMinutes(1);

    /**
     * When the invitation this task makes or renews expires, applied at {@code appliedAt}: the expiry its
     * job's submission set ({@code expiresInDays} times 24 hours after it) when it is applied within
     * {@link #PROMPT} of the submission; else moved by how late it is applied, so that it still lasts the
     * job's whole period from then. With the submitted expiry, an invitation applied after a worker or
     * Kafka outage, held back behind an earlier task of its account, re-driven from the dead letters or
     * sent again by the stuck-task sweep would be stored expired (its e-mail never sent) or close to it.
     */
    Instant invitationExpiry(Instant appliedAt) {
        Duration late = Duration.between(submittedAt, appliedAt);
        return late.compareTo(PROMPT) > 0 ? expiresAt.plus(late) : expiresAt;
    }

    /** Why the stored task cannot be applied, if it cannot. */
    Optional<String> problem() {
        boolean complete = switch (action) {
            case INVITE -> email != null && role != null && expiresAt != null;
            case CHANGE_ROLE -> userId != null && role != null;
            case REMOVE, REVOKE_INVITATION -> userId != null;
            case RESEND_INVITATION -> userId != null && expiresAt != null;
        };
        return complete ? Optional.empty() : Optional.of("The stored " + action + " task is incomplete");
    }

    /**
     * The activity event of this task's applied change. Built the same way when the change is applied
     * and when a redelivery publishes it again from the stored outcome, so both are the same event.
     *
     * @param targetUserId the user whose access changed
     * @param targetEmail that user's e-mail address
     */
    AccountActivityEvent appliedEvent(
            AccountRole previousRole, Instant appliedAt, UUID targetUserId, String targetEmail) {
        return new AccountActivityEvent(
                AccountActivityEvent.VERSION,
                id,
                appliedAt,
                accountId,
                portfolioId,
                jobId,
                id,
                action.activity(),
                new UserRef(targetUserId, targetEmail),
                previousRole,
                action == TaskAction.REMOVE ? null : role,
                InitiationLevel.PORTFOLIO,
                requestedBy,
                null,
                null);
    }

    /** The event of a task an earlier delivery applied, from its stored outcome. */
    AccountActivityEvent storedEvent() {
        return appliedEvent(previousRole, appliedAt, userId, userEmail != null ? userEmail : email);
    }

    /** Whether the record names this task as it is stored; anything else is an invalid record. */
    boolean matches(BulkTaskMessage message) {
        return jobId.equals(message.jobId())
                && accountId.equals(message.accountId())
                && action == message.action()
                && portfolioId.equals(message.portfolioId());
    }
}
