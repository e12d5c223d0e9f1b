package com.portfoliobulk.gateway.jobs;

import com.portfoliobulk.gateway.web.Problems;
import java.util.List;
import java.util.UUID;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.web.ErrorResponseException;

/** The problems of the bulk job API other than validation. */
final class JobProblems {

    private JobProblems() {}

    static ErrorResponseException jobNotFound(UUID jobId) {
        return new ErrorResponseException(
                HttpStatus.NOT_FOUND,
                Problems.of(
                        HttpStatus.NOT_FOUND,
                        Problems.NOT_FOUND,
                        "Job not found",
                        "There is no job " + jobId + " in this portfolio.",
                        List.of()),
                null);
    }

    static ErrorResponseException notCancellable(Job job) {
        return new ErrorResponseException(
                HttpStatus.CONFLICT,
                Problems.of(
                        HttpStatus.CONFLICT,
                        Problems.CONFLICT,
                        "Job already finished",
                        "Job " + job.id() + " is " + job.status() + "; only a QUEUED or IN_PROGRESS job can be"
                                + " cancelled.",
                        List.of()),
                null);
    }

    static ErrorResponseException keyReused(String key) {
        return new ErrorResponseException(
                HttpStatus.UNPROCESSABLE_CONTENT,
                Problems.of(
                        HttpStatus.UNPROCESSABLE_CONTENT,
                        Problems.IDEMPOTENCY_KEY_REUSED,
                        "Idempotency-Key reused",
                        "The Idempotency-Key '" + key + "' was used for a different request in this portfolio"
                                + " within the last 24 hours; use a new key for a new request.",
                        List.of()),
                null);
    }

    static ErrorResponseException stillBeingCreated(String key, String retryAfterSeconds) {
        ErrorResponseException problem = new ErrorResponseException(
                HttpStatus.CONFLICT,
                Problems.of(
                        HttpStatus.CONFLICT,
                        Problems.CONFLICT,
                        "Submission in progress",
                        "A job with the Idempotency-Key '" + key + "' is still being created; retry shortly to get"
                                + " it.",
                        List.of()),
                null);
        problem.getHeaders().set(HttpHeaders.RETRY_AFTER, retryAfterSeconds);
        return problem;
    }

    static ErrorResponseException tooManyTasks(long tasks, int max) {
        return new ErrorResponseException(
                HttpStatus.CONTENT_TOO_LARGE,
                Problems.of(
                        HttpStatus.CONTENT_TOO_LARGE,
                        Problems.TOO_LARGE,
                        "Too many tasks",
                        "The request resolves to " + tasks + " tasks; a job may have at most " + max
                                + ". Split it into several jobs.",
                        List.of()),
                null);
    }
}
