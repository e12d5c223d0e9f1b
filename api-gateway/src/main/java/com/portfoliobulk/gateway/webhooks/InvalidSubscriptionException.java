package com.portfoliobulk.gateway.webhooks;

import com.portfoliobulk.gateway.jobs.JobRequestValidation;
import com.portfoliobulk.gateway.web.FieldProblem;
import com.portfoliobulk.gateway.web.RequestRefusedException;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A subscription request that cannot be accepted, its {@code errors} naming the offending fields, at most
 * {@link JobRequestValidation#MAX_ERRORS} of them as in every other answer (the validation stops looking
 * after one more): 400 for an event type that is none ({@link #unknownEventTypes}), as an unknown job
 * {@code type} is; 422 for a request that reads but cannot be carried out ({@link #invalid}: the URL, an
 * empty or repeated event type, the progress interval), as a job request's or an administration
 * request's content is.
 */
class InvalidSubscriptionException extends RequestRefusedException {

    private InvalidSubscriptionException(Reason reason, List<FieldProblem> errors) {
        this(reason, errors.subList(0, Math.min(errors.size(), JobRequestValidation.MAX_ERRORS)), errors.size());
    }

    private InvalidSubscriptionException(Reason reason, List<FieldProblem> shown, int found) {
        super(
                reason,
                "Invalid webhook subscription",
                shown.stream()
                                .map(error -> "'" + error.field() + "' " + error.message())
                                .collect(Collectors.joining("; "))
                        + (found > shown.size() ? "; and more (the first " + shown.size() + " are listed)" : ""),
                List.copyOf(shown),
                null,
                null);
    }

    /** 400: event types the request names that are not event types. */
    static InvalidSubscriptionException unknownEventTypes(List<FieldProblem> errors) {
        return new InvalidSubscriptionException(Reason.INVALID_PARAMETER, errors);
    }

    /** 422: fields that read but cannot be used as sent. */
    static InvalidSubscriptionException invalid(List<FieldProblem> errors) {
        return new InvalidSubscriptionException(Reason.INVALID_CONTENT, errors);
    }
}
