package com.portfoliobulk.worker.apply;

import com.portfoliobulk.contracts.TaskStatus;

/** How many of a job's pending tasks one transaction finished, by their new status. */
final class JobProgress {

    private int succeeded;

    private int skipped;

    private int failed;

    private int cancelled;

    void count(TaskStatus status) {
        switch (status) {
            case SUCCEEDED -> succeeded++;
            case SKIPPED -> skipped++;
            case FAILED -> failed++;
            case CANCELLED -> cancelled++;
            case PENDING -> throw new IllegalArgumentException("A finished task is not pending");
        }
    }

    int done() {
        return succeeded + skipped + failed + cancelled;
    }

    int succeeded() {
        return succeeded;
    }

    int skipped() {
        return skipped;
    }

    int failed() {
        return failed;
    }

    int cancelled() {
        return cancelled;
    }
}
