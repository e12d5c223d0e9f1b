package com.portfoliobulk.gateway.web;

import java.util.List;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;

/**
 * The answer to an unexpected error: a generic problem that names an {@code errorId} and nothing
 * else (no exception text, stack trace or SQL), while the log gets the exception under that id.
 */
final class InternalErrors {

    private static final Logger log = LoggerFactory.getLogger(InternalErrors.class);

    private InternalErrors() {}

    static ProblemDetail problem(Throwable ex) {
        String errorId = UUID.randomUUID().toString();
        log.error("Unexpected error {} while handling a request", errorId, ex);
        ProblemDetail problem = Problems.of(
                HttpStatus.INTERNAL_SERVER_ERROR,
                Problems.INTERNAL_ERROR,
                "Internal error",
                "The request could not be completed because of an internal error. Quote error id " + errorId
                        + " when reporting it.",
                List.of());
        problem.setProperty("errorId", errorId);
        return problem;
    }
}
