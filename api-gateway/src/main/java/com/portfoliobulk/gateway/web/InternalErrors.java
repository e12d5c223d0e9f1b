package com.portfoliobulk.gateway.web;

import java.util.List;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;

/**
 * The answer to an unexpected error: a generic problem that names an {@code errorId} and nothing
 * else (no exception text, stack trace or SQL), while the log gets the exception under that id, in the
 * one line the runbook searches for: {@code Unexpected error <errorId> while handling a request}. The
 * answers in other shapes (a SCIM error, a console page) quote the same id in the same words
 * ({@link #logged}, {@link #detail}).
 */
public final class InternalErrors {

    /** The title of the answer to an unexpected error. */
    public static final String TITLE = "Internal error";

    private static final Logger log = LoggerFactory.getLogger(InternalErrors.class);

    private InternalErrors() {}

    static ProblemDetail problem(Throwable ex) {
        String errorId = logged(ex);
        ProblemDetail problem = Problems.of(
                HttpStatus.INTERNAL_SERVER_ERROR, Problems.INTERNAL_ERROR, TITLE, detail(errorId), List.of());
        problem.setProperty("errorId", errorId);
        return problem;
    }

    /** Logs {@code ex}, with its stack trace, under a new error id, which it returns for the answer to quote. */
    public static String logged(Throwable ex) {
        String errorId = UUID.randomUUID().toString();
        log.error("Unexpected error {} while handling a request", errorId, ex);
        return errorId;
    }

    /** What the answer to an unexpected error logged under {@code errorId} says: only the id to quote. */
    public static String detail(String errorId) {
        return "The request could not be completed because of an internal error. Quote error id " + errorId
                + " when reporting it.";
    }
}
