package com.portfoliobulk.contracts;

import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/**
 * One task on {@link Topics#BULK_TASKS}: apply {@code action} for {@code user} on {@code accountId}.
 * Keyed by the account id. The task row in the jobs database is the source of truth; applying the
 * same message twice has the effect of applying it once.
 *
 * @param v the schema version of this record, {@link #VERSION}
 * @param taskId the task id, unique across jobs
 * @param jobId the job the task belongs to
 * @param portfolioId the portfolio the job was submitted for
 * @param accountId the account to change
 * @param action what to do
 * @param user the target user
 * @param role the role to grant ({@code INVITE}, {@code CHANGE_ROLE}); {@code null} for the others
 * @param language the invitation's language (BCP 47), {@code INVITE} only (a resend keeps the
 *     invitation's language)
 * @param expiresAt when the invitation expires, {@code INVITE} and {@code RESEND_INVITATION}
 * @param requestedBy the administrator who submitted the job, or the identity provider (SCIM)
 * @param requestedAt when the job was submitted
 */
public record BulkTaskMessage(
        int v,
        UUID taskId,
        UUID jobId,
        UUID portfolioId,
        UUID accountId,
        TaskAction action,
        UserRef user,
        AccountRole role,
        String language,
        Instant expiresAt,
        Actor requestedBy,
        Instant requestedAt) {

    /** The current schema version. */
    public static final int VERSION = 1;

    public BulkTaskMessage {
        Objects.requireNonNull(taskId, "taskId");
        Objects.requireNonNull(jobId, "jobId");
        Objects.requireNonNull(portfolioId, "portfolioId");
        Objects.requireNonNull(accountId, "accountId");
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(requestedBy, "requestedBy");
        Objects.requireNonNull(requestedAt, "requestedAt");
        if (v != VERSION) {
            throw new IllegalArgumentException("Unsupported task schema version " + v + "; expected " + VERSION);
        }
        if (action.grantsRole() && role == null) {
            throw new IllegalArgumentException(action + " needs a role");
        }
        if (action == TaskAction.INVITE && (user.email() == null || expiresAt == null)) {
            throw new IllegalArgumentException("INVITE needs the user's e-mail and an expiry");
        }
        if (action == TaskAction.RESEND_INVITATION && expiresAt == null) {
            throw new IllegalArgumentException("RESEND_INVITATION needs an expiry");
        }
        if (action != TaskAction.INVITE && user.userId() == null) {
            throw new IllegalArgumentException(action + " needs the user's id");
        }
    }
}
