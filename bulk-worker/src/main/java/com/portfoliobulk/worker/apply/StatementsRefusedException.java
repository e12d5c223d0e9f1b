package com.portfoliobulk.worker.apply;

import com.portfoliobulk.servicesupport.jdbc.DatabaseFailure;

/**
 * The database refuses the worker's statements themselves ({@link DatabaseFailure#REFUSED}): its role
 * lost a grant, or a table, column or function is missing. No task is at fault: the batch is
 * redelivered after the container's back-off until an operator restores what is missing, and no task
 * attempt is counted.
 */
class StatementsRefusedException extends RuntimeException {

    StatementsRefusedException(Throwable cause) {
        super("The database refuses the worker's statements: " + ErrorText.of(cause), cause);
    }
}
