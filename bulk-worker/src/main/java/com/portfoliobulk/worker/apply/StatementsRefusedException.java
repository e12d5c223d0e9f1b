package com.portfoliobulk.worker.apply;

import com.portfoliobulk.servicesupport.jdbc.DatabaseFailure;

/**
 * The database refuses the worker's statements themselves ({@link DatabaseFailure#REFUSED}): its role
 * lost a grant, or a table, column or function is missing; or it lacks the resources to run them
 * ({@link DatabaseFailure#OUT_OF_RESOURCES}): its disk is full, or it is out of memory or a configured
 * limit. No task is at fault: the batch is redelivered after the container's back-off until an
 * operator restores what is missing or frees what is lacking, and no task attempt is counted.
 */
class StatementsRefusedException extends RuntimeException {

    StatementsRefusedException(Throwable cause) {
        super("The database refuses the worker's statements: " + ErrorText.of(cause), cause);
    }
}
