package com.portfoliobulk.gateway.web;

import com.portfoliobulk.contracts.ProblemTypes;
import java.net.URI;
import java.util.List;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;

/**
 * Builds the RFC 9457 problems of the API. Each kind of problem a client may want to tell apart has
 * its own {@code type}, the same in every service ({@link ProblemTypes}); validation problems list the offending fields in {@code errors}. Texts are
 * bounded in length, because they may quote what the client sent.
 */
public final class Problems {

    /** The request body or a parameter is malformed (400) or its content cannot be processed (422). */
    public static final URI INVALID_REQUEST = ProblemTypes.INVALID_REQUEST;

    /** The request names something that does not exist, or not in this portfolio (404). */
    public static final URI NOT_FOUND = ProblemTypes.NOT_FOUND;

    /**
     * The title of the 403 to an invitee whose sign-in says their address is not verified
     * ({@code email_verified} false): the console's invitation page tells it from another person's
     * invitation by it.
     */
    public static final String ADDRESS_NOT_VERIFIED = "E-mail address not verified";

    /** The detail of that 403, from the API and from the console alike: what the invitee does about it. */
    public static String addressNotVerified(String email) {
        return "Your sign-in says that " + email + " is not verified (email_verified is false)."
                + " Verify the address with your identity provider, then accept again.";
    }

    /**
     * The title of the 403 to an invitation sent to another address than the caller's: the console's
     * invitation page says it in its own words, in its language.
     */
    public static final String INVITATION_FOR_ANOTHER_ADDRESS = "Invitation for another address";

    /** The request conflicts with the current state of the resource (409). */
    public static final URI CONFLICT = ProblemTypes.CONFLICT;

    /** The Idempotency-Key was used before with a different request body (422). */
    public static final URI IDEMPOTENCY_KEY_REUSED = ProblemTypes.IDEMPOTENCY_KEY_REUSED;

    /** The request would create more work than one request may (413). */
    public static final URI TOO_LARGE = ProblemTypes.TOO_LARGE;

    /** No valid bearer token (401). */
    public static final URI UNAUTHORIZED = ProblemTypes.UNAUTHORIZED;

    /** The request's body did not arrive within {@code bulk.gateway.web.body-read-timeout} (408). */
    public static final URI REQUEST_TIMEOUT = ProblemTypes.REQUEST_TIMEOUT;

    /** The caller lacks the permission the request needs (403). */
    public static final URI FORBIDDEN = ProblemTypes.FORBIDDEN;

    /** Too many requests of this kind for the portfolio; retry after {@code Retry-After} (429). */
    public static final URI RATE_LIMITED = ProblemTypes.RATE_LIMITED;

    /** The thing asked for existed once but is gone for good, such as an expired invitation (410). */
    public static final URI GONE = ProblemTypes.GONE;

    /** A service the request needs cannot be reached; retry after {@code Retry-After} (503). */
    public static final URI UNAVAILABLE = ProblemTypes.UNAVAILABLE;

    /** An unexpected error; the answer names an {@code errorId} to find it in the server's log (500). */
    public static final URI INTERNAL_ERROR = ProblemTypes.INTERNAL_ERROR;

    /** The longest {@code detail} answered. */
    static final int MAX_DETAIL_LENGTH = 1000;

    private Problems() {}

    /** A problem with a title and a detail, and the offending fields when there are any. */
    public static ProblemDetail of(
            HttpStatusCode status, URI type, String title, String detail, List<FieldProblem> errors) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, bounded(detail, MAX_DETAIL_LENGTH));
        problem.setType(type);
        problem.setTitle(title);
        if (errors != null && !errors.isEmpty()) {
            problem.setProperty("errors", List.copyOf(errors));
        }
        return problem;
    }

    /**
     * Names {@code path}, the path of the request that failed, as the problem's {@code instance}, as
     * Spring MVC does for the problems it writes; a path that is no valid URI reference is left out.
     */
    public static void setInstance(ProblemDetail problem, String path) {
        if (path == null) {
            return;
        }
        try {
            problem.setInstance(URI.create(path));
        } catch (IllegalArgumentException notAUri) {
            // Leave it out: the request's own path is not a valid URI.
        }
    }

    /**
     * {@code text} cut to at most {@code maxLength} characters (marked with an ellipsis), never
     * inside a surrogate pair.
     */
    static String bounded(String text, int maxLength) {
        if (text == null || text.length() <= maxLength) {
            return text;
        }
        int end = maxLength - 1;
        if (Character.isHighSurrogate(text.charAt(end - 1))) {
            end--;
        }
        return text.substring(0, end) + "\u2026";
    }
}
