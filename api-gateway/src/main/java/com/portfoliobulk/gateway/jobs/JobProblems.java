package com.portfoliobulk.gateway.jobs;

import com.portfoliobulk.gateway.web.FieldProblem;
import com.portfoliobulk.gateway.web.NotFoundException;
import com.portfoliobulk.gateway.web.RequestRefusedException;
import com.portfoliobulk.gateway.web.RequestRefusedException.Reason;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

/** The refusals of the bulk job API other than validation. */
final class JobProblems {

    private JobProblems() {}

    static NotFoundException jobNotFound(UUID jobId) {
        return new NotFoundException("There is no job " + jobId + " in this portfolio.");
    }

    /**
     * 403, as every request to a closed portfolio is answered: its close committed while the submission
     * was under way (the caller held its permissions when it began).
     */
    static RequestRefusedException portfolioClosed(UUID portfolioId) {
        return new RequestRefusedException(
                Reason.FORBIDDEN,
                "Permission denied",
                "Portfolio " + portfolioId + " was closed while the job was submitted: no one administers it any"
                        + " more, and the job was not stored.");
    }

    static RequestRefusedException notCancellable(Job job) {
        return new RequestRefusedException(
                Reason.CONFLICT,
                "Job already finished",
                "Job " + job.id() + " is " + job.status() + "; only a QUEUED or IN_PROGRESS job can be cancelled.");
    }

    /** @param window how long a key is remembered ({@code bulk.gateway.jobs.idempotency-key-ttl}) */
    static RequestRefusedException keyReused(String key, Duration window) {
        return new RequestRefusedException(
                Reason.IDEMPOTENCY_KEY_REUSED,
                "Idempotency-Key reused",
                "The Idempotency-Key '" + key + "' was used for a different request in this portfolio within the"
                        + " last " + describe(window) + "; use a new key for a new request.",
                List.of(new FieldProblem(
                        JobSubmission.IDEMPOTENCY_KEY,
                        "was used for a different request within the last " + describe(window)
                                + "; use a new key for a new request")),
                null,
                null);
    }

    static RequestRefusedException stillBeingCreated(String key, long retryAfterSeconds) {
        return new RequestRefusedException(
                Reason.CONFLICT,
                "Submission in progress",
                "A job with the Idempotency-Key '" + key + "' is still being created; retry shortly to get it.",
                List.of(new FieldProblem(
                        JobSubmission.IDEMPOTENCY_KEY,
                        "names a job still being created; retry shortly with the same key to get it")),
                retryAfterSeconds,
                null);
    }

    /**
     * A plan found to exceed the cap while it was stored or previewed (an offboarding, whose size is
     * known only then): storing or walking it stopped one task over the cap, so its exact size is not
     * known.
     */
    static RequestRefusedException moreTasksThan(int max) {
        return new RequestRefusedException(
                Reason.TOO_LARGE,
                "Too many tasks",
                "The request resolves to more than " + max + " tasks, the most a job may have. Split it into"
                        + " several jobs; the preview (POST bulk-jobs/preview) counts the tasks of each.");
    }

    static RequestRefusedException tooManyTasks(long tasks, int max) {
        return new RequestRefusedException(
                Reason.TOO_LARGE,
                "Too many tasks",
                "The request resolves to " + tasks + " tasks; a job may have at most " + max
                        + ". Split it into several jobs.");
    }

    /** A duration as a person says it: "24 hours", "90 minutes", "1 day and 6 hours" stays exact. */
    static String describe(Duration window) {
        long seconds = window.toSeconds();
        if (seconds % 3600 == 0) {
            long hours = seconds / 3600;
            return hours == 1 ? "hour" : hours + " hours";
        }
        if (seconds % 60 == 0) {
            long minutes = seconds / 60;
            return minutes == 1 ? "minute" : minutes + " minutes";
        }
        return seconds == 1 ? "second" : seconds + " seconds";
    }
}
