package com.portfoliobulk.gateway.web;

import java.util.List;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;

/** A query parameter or header that cannot be used: 400, its {@code errors} naming it. */
public class InvalidParameterException extends ErrorResponseException {

    public InvalidParameterException(String parameter, String message) {
        super(HttpStatus.BAD_REQUEST, problem(parameter, message), null);
    }

    /** The one 400 problem of a query parameter or header that cannot be used. */
    static ProblemDetail problem(String parameter, String message) {
        return Problems.of(
                HttpStatus.BAD_REQUEST,
                Problems.INVALID_REQUEST,
                "Invalid request parameter",
                "Invalid '" + parameter + "': " + message,
                List.of(new FieldProblem(parameter, message)));
    }
}
