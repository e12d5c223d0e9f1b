package com.portfoliobulk.gateway.jobs;

import com.portfoliobulk.gateway.web.FieldProblem;
import com.portfoliobulk.gateway.web.Problems;
import java.util.List;
import org.springframework.http.HttpStatus;
import org.springframework.web.ErrorResponseException;

/**
 * A job request that parsed but cannot be carried out as asked: answered with 422, its
 * {@code errors} naming every offending field. Nothing has been created when it is thrown.
 */
public class InvalidJobRequestException extends ErrorResponseException {

    private final List<FieldProblem> errors;

    public InvalidJobRequestException(String detail, List<FieldProblem> errors) {
        super(
                HttpStatus.UNPROCESSABLE_CONTENT,
                Problems.of(
                        HttpStatus.UNPROCESSABLE_CONTENT,
                        Problems.INVALID_REQUEST,
                        "Invalid job request",
                        detail,
                        errors),
                null);
        this.errors = List.copyOf(errors);
    }

    /** The offending fields. */
    public List<FieldProblem> errors() {
        return errors;
    }
}
