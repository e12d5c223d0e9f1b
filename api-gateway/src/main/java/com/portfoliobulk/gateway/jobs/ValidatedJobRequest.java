package com.portfoliobulk.gateway.jobs;

import com.portfoliobulk.contracts.JobType;
import java.util.Objects;
import java.util.OptionalLong;

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

    /**
     * The number of tasks when the request alone tells it (a product of its list sizes); empty for
     * {@code OFFBOARD_USERS}, whose tasks depend on the directory.
     */
    public OptionalLong knownTaskCount() {
        return switch (request) {
            case InviteUsers invite ->
                OptionalLong.of(
                        (long) invite.emails().size() * invite.accounts().size());
            case UpdateRolesByAssignment update ->
                OptionalLong.of(update.assignments().size());
            case UpdateRolesBySelection update ->
                OptionalLong.of(
                        (long) update.userIds().size() * update.accountIds().size());
            case RemoveAccess remove ->
                OptionalLong.of(
                        (long) remove.userIds().size() * remove.accountIds().size());
            case OffboardUsers offboard -> OptionalLong.empty();
            case ResendInvitations resend ->
                OptionalLong.of(
                        (long) resend.userIds().size() * resend.accountIds().size());
            case RevokeInvitations revoke ->
                OptionalLong.of(
                        (long) revoke.userIds().size() * revoke.accountIds().size());
        };
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
