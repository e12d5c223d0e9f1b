package com.portfoliobulk.gateway.webhooks;

import com.portfoliobulk.gateway.jobs.JobRequestValidation;
import com.portfoliobulk.gateway.web.FieldProblem;
import com.portfoliobulk.gateway.web.RequestRefusedException;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A subscription request that cannot be accepted: 400, its {@code errors} naming the offending fields,
 * at most {@link JobRequestValidation#MAX_ERRORS} of them as in every other answer (the validation stops
 * looking after one more).
 */
class InvalidSubscriptionException extends RequestRefusedException {

    InvalidSubscriptionException(List<FieldProblem> errors) {
        this(errors.subList(0, Math.min(errors.size(), JobRequestValidation.MAX_ERRORS)), errors.size());
    }

    private InvalidSubscriptionException(List<FieldProblem> shown, int found) {
        super(
                Reason.INVALID_PARAMETER,
                "Invalid webhook subscription",
                shown.stream()
                                .map(error -> "'" + error.field() + "' " + error.message())
                                .collect(Collectors.joining("; "))
                        + (found > shown.size() ? "; and more (the first " + shown.size() + " are listed)" : ""),
                List.copyOf(shown),
                null,
                null);
    }
}
