package com.portfoliobulk.worker.apply;

/**
 * The database cannot be reached. The batch is redelivered after the container's back-off, for as
 * long as the outage lasts; no task is failed because of it.
 */
class DatabaseUnavailableException extends RuntimeException {

    DatabaseUnavailableException(Throwable cause) {
        super("The database is unavailable: " + ErrorText.of(cause), cause);
    }
}
