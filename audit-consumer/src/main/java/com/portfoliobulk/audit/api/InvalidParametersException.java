package com.portfoliobulk.audit.api;

import java.util.List;

/** Request parameters that are not valid, each with what is wrong: answered with 400. */
class InvalidParametersException extends RuntimeException {

    private final List<FieldError> errors;

    InvalidParametersException(List<FieldError> errors) {
        super("Invalid parameters: " + errors);
        this.errors = List.copyOf(errors);
    }

    List<FieldError> errors() {
        return errors;
    }
}
