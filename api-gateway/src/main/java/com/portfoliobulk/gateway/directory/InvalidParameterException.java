package com.portfoliobulk.gateway.directory;

import java.util.List;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;

/**
 * A request parameter that cannot be used: answered as a 400 problem whose {@code errors} names the
 * parameter.
 */
class InvalidParameterException extends ErrorResponseException {

    InvalidParameterException(String parameter, String message) {
        super(HttpStatus.BAD_REQUEST, problem(parameter, message), null);
    }

    private static ProblemDetail problem(String parameter, String message) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(
                HttpStatus.BAD_REQUEST, "Invalid parameter '" + parameter + "': " + message);
        problem.setTitle("Invalid request parameter");
        problem.setProperty("errors", List.of(new ParameterError(parameter, message)));
        return problem;
    }

    /**
     * One entry of a problem's {@code errors}.
     *
     * @param field the name of the offending parameter
     * @param message what is wrong with it
     */
    record ParameterError(String field, String message) {}
}
