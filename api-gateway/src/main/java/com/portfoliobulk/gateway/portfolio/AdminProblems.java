package com.portfoliobulk.gateway.portfolio;

import com.portfoliobulk.gateway.web.FieldProblem;
import com.portfoliobulk.gateway.web.Problems;
import java.util.List;
import org.springframework.http.HttpStatus;
import org.springframework.web.ErrorResponseException;

/** The problem answers of portfolio administration. */
final class AdminProblems {

    private AdminProblems() {}

    /** 422: the request parsed but names something that cannot be; {@code field} says what and how to fix it. */
    static ErrorResponseException invalid(String field, String message) {
        return new ErrorResponseException(
                HttpStatus.UNPROCESSABLE_CONTENT,
                Problems.of(
                        HttpStatus.UNPROCESSABLE_CONTENT,
                        Problems.INVALID_REQUEST,
                        "Invalid request",
                        field + " " + message,
                        List.of(new FieldProblem(field, message))),
                null);
    }

    /** 409: the portfolio's current state does not allow this. */
    static ErrorResponseException conflict(String title, String detail) {
        return new ErrorResponseException(
                HttpStatus.CONFLICT,
                Problems.of(HttpStatus.CONFLICT, Problems.CONFLICT, title, detail, List.of()),
                null);
    }

    /** 404 within the portfolio of the path. */
    static ErrorResponseException notFound(String title, String detail) {
        return new ErrorResponseException(
                HttpStatus.NOT_FOUND,
                Problems.of(HttpStatus.NOT_FOUND, Problems.NOT_FOUND, title, detail, List.of()),
                null);
    }
}
