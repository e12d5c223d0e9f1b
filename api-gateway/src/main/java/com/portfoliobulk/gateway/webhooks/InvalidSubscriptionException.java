package com.portfoliobulk.gateway.webhooks;

import com.portfoliobulk.gateway.web.FieldProblem;
import com.portfoliobulk.gateway.web.RequestRefusedException;
import java.util.List;

/** A subscription request that cannot be accepted: 400, its {@code errors} naming every offending field. */
class InvalidSubscriptionException extends RequestRefusedException {

    InvalidSubscriptionException(List<FieldProblem> errors) {
        super(
                Reason.INVALID_PARAMETER,
                "Invalid webhook subscription",
                errors.stream()
                        .map(error -> "'" + error.field() + "' " + error.message())
                        .reduce((a, b) -> a + "; " + b)
                        .orElse("The subscription is invalid."),
                errors,
                null,
                null);
    }
}
