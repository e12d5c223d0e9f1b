package com.portfoliobulk.gateway.web;

import java.util.List;

/** A query parameter or header that cannot be used: 400, its {@code errors} naming it. */
public class InvalidParameterException extends RequestRefusedException {

    static final String TITLE = "Invalid request parameter";

    public InvalidParameterException(String parameter, String message) {
        super(
                Reason.INVALID_PARAMETER,
                TITLE,
                "Invalid '" + parameter + "': " + message,
                List.of(new FieldProblem(parameter, message)),
                null,
                null);
    }
}
