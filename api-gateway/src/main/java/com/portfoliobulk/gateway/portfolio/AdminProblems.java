package com.portfoliobulk.gateway.portfolio;

import com.portfoliobulk.gateway.web.FieldProblem;
import com.portfoliobulk.gateway.web.NotFoundException;
import com.portfoliobulk.gateway.web.RequestRefusedException;
import com.portfoliobulk.gateway.web.RequestRefusedException.Reason;
import java.util.List;

/** The refusals of portfolio administration. */
final class AdminProblems {

    private AdminProblems() {}

    /** 422: the request parsed but names something that cannot be; {@code field} says what and how to fix it. */
    static RequestRefusedException invalid(String field, String message) {
        return new RequestRefusedException(
                Reason.INVALID_CONTENT,
                "Invalid request",
                field + " " + message,
                List.of(new FieldProblem(field, message)),
                null,
                null);
    }

    /**
     * 403: {@code field} asks for permissions the caller does not hold; {@code message} names them.
     * Refusals that name no field are {@code AccessDeniedException}s, answered the same way.
     */
    static RequestRefusedException forbidden(String field, String message) {
        return new RequestRefusedException(
                Reason.FORBIDDEN,
                "Permission denied",
                field + " " + message,
                List.of(new FieldProblem(field, message)),
                null,
                null);
    }

    /** 409: the portfolio's current state does not allow this. */
    static RequestRefusedException conflict(String title, String detail) {
        return new RequestRefusedException(Reason.CONFLICT, title, detail);
    }

    /**
     * 409 naming {@code field}: the portfolio has {@code max} of {@code what} already, the most it may
     * have.
     */
    static RequestRefusedException tooMany(String what, int max, String field) {
        return new RequestRefusedException(
                Reason.CONFLICT,
                "Too many " + what,
                "A portfolio may have at most " + max + " " + what + "; delete one first.",
                List.of(new FieldProblem(
                        field,
                        "cannot be defined: the portfolio has " + max + " " + what
                                + ", the most it may have; delete one first")),
                null,
                null);
    }

    /** 404 within the portfolio of the path. */
    static NotFoundException notFound(String detail) {
        return new NotFoundException(detail);
    }
}
