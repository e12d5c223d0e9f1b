package com.portfoliobulk.gateway.web;

import java.util.List;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;

/**
 * A request the product refuses, for a reason the client can act on. Services throw it (or one of
 * its subclasses) saying what is wrong in the product's words; each {@link Reason} has its HTTP
 * status, and only {@link ProblemAdvice} turns it into a problem {@code type} (the SCIM endpoints
 * answer the same status in the SCIM error format).
 */
public class RequestRefusedException extends RuntimeException {

    /** Why a request is refused; each is one problem {@code type} of the API. */
    public enum Reason {
        /** A query parameter, path variable or header cannot be used. */
        INVALID_PARAMETER(HttpStatus.BAD_REQUEST),
        /** The body parsed but its content cannot be carried out as asked. */
        INVALID_CONTENT(HttpStatus.UNPROCESSABLE_CONTENT),
        /** The caller lacks the permission the request needs. */
        FORBIDDEN(HttpStatus.FORBIDDEN),
        /** The body is sent in a form the endpoint does not read (such as compressed). */
        UNSUPPORTED_MEDIA_TYPE(HttpStatus.UNSUPPORTED_MEDIA_TYPE),
        /** What the request names does not exist, or not where the caller looks. */
        NOT_FOUND(HttpStatus.NOT_FOUND),
        /** The request conflicts with the current state of what it names. */
        CONFLICT(HttpStatus.CONFLICT),
        /** The Idempotency-Key was used before with another request. */
        IDEMPOTENCY_KEY_REUSED(HttpStatus.UNPROCESSABLE_CONTENT),
        /** The request would create more work than one request may. */
        TOO_LARGE(HttpStatus.CONTENT_TOO_LARGE),
        /** What the request names existed once but is gone for good. */
        GONE(HttpStatus.GONE),
        /** Too many requests of this kind for now. */
        RATE_LIMITED(HttpStatus.TOO_MANY_REQUESTS),
        /** A service the request needs cannot be reached. */
        UNAVAILABLE(HttpStatus.SERVICE_UNAVAILABLE);

        private final HttpStatus status;

        Reason(HttpStatus status) {
            this.status = status;
        }

        /** The HTTP status of an answer refused for this reason, in every answer format. */
        public HttpStatus status() {
            return status;
        }
    }

    private final Reason reason;

    private final String title;

    private final List<FieldProblem> errors;

    private final Long retryAfterSeconds;

    private final HttpHeaders headers = new HttpHeaders();

    /**
     * @param reason why the request is refused
     * @param title a short summary of the kind of refusal
     * @param detail what is wrong with this request and how to fix it
     */
    public RequestRefusedException(Reason reason, String title, String detail) {
        this(reason, title, detail, List.of(), null, null);
    }

    /**
     * @param errors the offending fields, if any
     * @param retryAfterSeconds when a retry may succeed, if it may
     * @param cause what made the request fail, if anything did
     */
    public RequestRefusedException(
            Reason reason,
            String title,
            String detail,
            List<FieldProblem> errors,
            Long retryAfterSeconds,
            Throwable cause) {
        super(detail, cause);
        this.reason = reason;
        this.title = title;
        this.errors = List.copyOf(errors);
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public Reason reason() {
        return reason;
    }

    public String title() {
        return title;
    }

    /** The offending fields; empty when the refusal is about the request as a whole. */
    public List<FieldProblem> errors() {
        return errors;
    }

    /** Seconds after which a retry may succeed; {@code null} when retrying does not help. */
    public Long retryAfterSeconds() {
        return retryAfterSeconds;
    }

    /** More header fields for the answer (e.g. rate limit fields); empty unless the thrower adds some. */
    public HttpHeaders headers() {
        return headers;
    }
}
