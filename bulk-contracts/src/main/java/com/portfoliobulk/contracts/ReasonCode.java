package com.portfoliobulk.contracts;

/** Why a task was skipped, cancelled or failed (the README's "Rules" table). */
public enum ReasonCode {
    /** The target is the account's Owner: never changed or removed from the portfolio level. */
    OWNER_PROTECTED(TaskStatus.SKIPPED),
    /** The target is provisioned by an identity provider: change it there. */
    IDP_MANAGED(TaskStatus.SKIPPED),
    /** The user already has the requested role. */
    NO_CHANGE(TaskStatus.SKIPPED),
    /** The user has no access to the account. */
    NOT_A_MEMBER(TaskStatus.SKIPPED),
    /** Resend or revoke: the user has no pending invitation there (active access, or nothing). */
    NOT_A_PENDING_INVITATION(TaskStatus.SKIPPED),
    /** The user already has access or a pending invitation there. */
    ALREADY_MEMBER(TaskStatus.SKIPPED),
    /**
     * Invitation or resend: the invitee already had the most invitation e-mails of the portfolio the
     * worker queues in 24 hours ({@code bulk.worker.invitation.max-mails-per-day}); nothing changed.
     */
    MAIL_LIMIT_REACHED(TaskStatus.SKIPPED),
    /** The account was unlinked from the portfolio before the task was applied. */
    ACCOUNT_NOT_IN_PORTFOLIO(TaskStatus.SKIPPED),
    /** The job was cancelled before the task was applied. */
    JOB_CANCELLED(TaskStatus.CANCELLED),
    /** A transient failure persisted after the bounded retries. */
    RETRIES_EXHAUSTED(TaskStatus.FAILED),
    /** The task message could not be read or is invalid; it was dead-lettered. */
    INVALID_TASK(TaskStatus.FAILED);

    private final TaskStatus status;

    ReasonCode(TaskStatus status) {
        this.status = status;
    }

    /** The task status that goes with this reason. */
    public TaskStatus status() {
        return status;
    }
}
