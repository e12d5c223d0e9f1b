package com.portfoliobulk.servicesupport.web;

import com.portfoliobulk.contracts.ProblemTypes;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;

/**
 * A request a service refuses: answered by {@link ServiceProblems} as a problem of {@code status}
 * with the product's problem type of that status ({@link ProblemTypes}) and {@code detail}, which
 * says what to fix.
 */
public class ProblemException extends ErrorResponseException {

    public ProblemException(HttpStatus status, String detail) {
        this(status, null, detail);
    }

    /** With {@code title} instead of the status's reason phrase, when it is not null. */
    protected ProblemException(HttpStatus status, String title, String detail) {
        super(status, problem(status, title, detail), null);
    }

    @Override
    public String getMessage() {
        return getBody().getDetail();
    }

    private static ProblemDetail problem(HttpStatus status, String title, String detail) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
        problem.setType(ProblemTypes.forStatus(status.value()));
        problem.setTitle(title == null ? status.getReasonPhrase() : title);
        return problem;
    }
}
