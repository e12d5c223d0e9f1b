package com.portfoliobulk.gateway.web;

import java.net.URI;
import java.util.List;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;

/**
 * Builds the RFC 9457 problems of the API. Each kind of problem a client may want to tell apart has
 * its own {@code type}; validation problems list the offending fields in {@code errors}.
 */
public final class Problems {

    /** The request body or a parameter is malformed (400) or its content cannot be processed (422). */
    public static final URI INVALID_REQUEST = type("invalid-request");

    /** The request names something that does not exist, or not in this portfolio (404). */
    public static final URI NOT_FOUND = type("not-found");

    /** The request conflicts with the current state of the resource (409). */
    public static final URI CONFLICT = type("conflict");

    /** The Idempotency-Key was used before with a different request body (422). */
    public static final URI IDEMPOTENCY_KEY_REUSED = type("idempotency-key-reused");

    /** The request would create more work than one request may (413). */
    public static final URI TOO_LARGE = type("too-large");

    private Problems() {}

    /** A problem with a title and a detail, and the offending fields when there are any. */
    public static ProblemDetail of(
            HttpStatusCode status, URI type, String title, String detail, List<FieldProblem> errors) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
        problem.setType(type);
        problem.setTitle(title);
        if (errors != null && !errors.isEmpty()) {
            problem.setProperty("errors", List.copyOf(errors));
        }
        return problem;
    }

    private static URI type(String name) {
        return URI.create("urn:portfolio-bulk:problem:" + name);
    }
}
