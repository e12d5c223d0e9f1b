package com.portfoliobulk.gateway.jobs;

import com.portfoliobulk.contracts.JobType;
import java.util.Objects;

/**
 * A {@link JobRequest} whose content passed {@link JobRequestValidation#validate} and whose defaults
 * are filled in: e-mail addresses lower-case, language and expiry set, invitation roles set. Only
 * the validation makes these, so whoever takes one needs no second check.
 */
public final class ValidatedJobRequest {

    private final JobRequest request;

    ValidatedJobRequest(JobRequest request) {
        this.request = Objects.requireNonNull(request, "request");
    }

    /** The normalized request. */
    public JobRequest request() {
        return request;
    }

    public JobType type() {
        return request.type();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof ValidatedJobRequest that && request.equals(that.request);
    }

    @Override
    public int hashCode() {
        return request.hashCode();
    }

    @Override
    public String toString() {
        return request.toString();
    }
}
