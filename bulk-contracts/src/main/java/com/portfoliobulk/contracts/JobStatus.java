package com.portfoliobulk.contracts;

/**
 * The lifecycle of a job: {@code QUEUED -> IN_PROGRESS -> COMPLETED | COMPLETED_WITH_ERRORS |
 * CANCELLED}. A job is terminal when no task is pending.
 */
public enum JobStatus {
    QUEUED,
    IN_PROGRESS,
    COMPLETED,
    /** Every task ended and at least one failed. */
    COMPLETED_WITH_ERRORS,
    CANCELLED;

    public boolean isTerminal() {
        return this == COMPLETED || this == COMPLETED_WITH_ERRORS || this == CANCELLED;
    }
}
