package com.portfoliobulk.audit.log;

/** An activity event that could be read but makes no sense (e.g. a role change without its roles). */
class InvalidActivityEventException extends RuntimeException {

    InvalidActivityEventException(String message) {
        super(message);
    }
}
