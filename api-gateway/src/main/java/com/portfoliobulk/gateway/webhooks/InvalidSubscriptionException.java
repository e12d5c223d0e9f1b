package com.portfoliobulk.gateway.webhooks;

import com.portfoliobulk.gateway.web.FieldProblem;
import com.portfoliobulk.gateway.web.Problems;
import java.util.List;
import org.springframework.http.HttpStatus;
import org.springframework.web.ErrorResponseException;

/** A subscription request that cannot be accepted: 400, its {@code errors} naming every offending field. */
class InvalidSubscriptionException extends ErrorResponseException {

    InvalidSubscriptionException(List<FieldProblem> errors) {
        super(
                HttpStatus.BAD_REQUEST,
                Problems.of(
                        HttpStatus.BAD_REQUEST,
                        Problems.INVALID_REQUEST,
                        "Invalid webhook subscription",
                        errors.stream()
                                .map(error -> "'" + error.field() + "' " + error.message())
                                .reduce((a, b) -> a + "; " + b)
                                .orElse("The subscription is invalid."),
                        errors),
                null);
    }
}
