package com.portfoliobulk.contracts;

/** The state of one task. Only {@link #PENDING} is not terminal. */
public enum TaskStatus {
    PENDING,
    SUCCEEDED,
    SKIPPED,
    FAILED,
    CANCELLED;

    public boolean isTerminal() {
        return this != PENDING;
    }
}
