package com.portfoliobulk.servicesupport.web;

import java.util.List;
import org.springframework.http.HttpStatus;

/**
 * Request parameters (query parameters, headers, body fields) that are not valid, each with what is
 * wrong: answered with 400, title {@value #TITLE}, each one in {@code errors: [{field, message}]}.
 */
public class InvalidParametersException extends ProblemException {

    /** The title of the answer. */
    public static final String TITLE = "Invalid request parameter";

    private final List<FieldError> errors;

    /** The detail names the one parameter and what is wrong with it, or every parameter. */
    public InvalidParametersException(List<FieldError> errors) {
        this(detail(errors), errors);
    }

    /** With the detail the endpoint words itself. */
    public InvalidParametersException(String detail, List<FieldError> errors) {
        super(HttpStatus.BAD_REQUEST, TITLE, detail);
        if (errors.isEmpty()) {
            throw new IllegalArgumentException("An invalid request names at least one parameter");
        }
        this.errors = List.copyOf(errors);
        getBody().setProperty("errors", this.errors);
    }

    /**
     * One parameter, the detail a sentence of its name and {@code message}: {@code 'email' is
     * required: the address of the caller who accepts.}
     */
    public static InvalidParametersException of(String field, String message) {
        return new InvalidParametersException(
                "'" + field + "' " + message + ".", List.of(new FieldError(field, message)));
    }

    public List<FieldError> errors() {
        return errors;
    }

    private static String detail(List<FieldError> errors) {
        return errors.size() == 1
                ? "Invalid '" + errors.getFirst().field() + "': "
                        + errors.getFirst().message()
                : "Invalid parameters: "
                        + String.join(
                                ", ", errors.stream().map(FieldError::field).toList());
    }
}
