package com.portfoliobulk.worker.apply;

/**
 * Some tasks of a batch failed and have attempts left. Thrown after the rest of the batch was applied
 * and published, so that the container redelivers the batch after its back-off: finished tasks are
 * recognised as such, the failed ones are tried again.
 */
class TasksAwaitingRetryException extends RuntimeException {

    TasksAwaitingRetryException(int tasks) {
        super(tasks + " task(s) of the batch will be tried again");
    }
}
