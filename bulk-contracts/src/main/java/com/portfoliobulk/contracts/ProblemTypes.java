package com.portfoliobulk.contracts;

import java.net.URI;

/**
 * The {@code type} of every RFC 9457 problem a service of the product answers, so that a client
 * tells problems apart the same way whichever service answered. Titles and details vary; types do
 * not.
 */
public final class ProblemTypes {

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

    /** No valid bearer token (401). */
    public static final URI UNAUTHORIZED = type("unauthorized");

    /** The request's body did not arrive within the time the service waits for one; send it again (408). */
    public static final URI REQUEST_TIMEOUT = type("request-timeout");

    /** The caller lacks the permission the request needs (403). */
    public static final URI FORBIDDEN = type("forbidden");

    /** Too many requests of this kind for the portfolio; retry after {@code Retry-After} (429). */
    public static final URI RATE_LIMITED = type("rate-limited");

    /** The thing asked for existed once but is gone for good, such as an expired invitation (410). */
    public static final URI GONE = type("gone");

    /** A service the request needs cannot be reached; retry after {@code Retry-After} (503). */
    public static final URI UNAVAILABLE = type("unavailable");

    /** An unexpected error; the answer names an {@code errorId} to find it in the server's log (500). */
    public static final URI INTERNAL_ERROR = type("internal-error");

    private ProblemTypes() {}

    /**
     * The type of an error answer with {@code status} that has no more specific one: the container's
     * and the web framework's own refusals (unknown path, wrong method, media types).
     */
    public static URI forStatus(int status) {
        return switch (status) {
            case 401 -> UNAUTHORIZED;
            case 403 -> FORBIDDEN;
            case 404 -> NOT_FOUND;
            case 408 -> REQUEST_TIMEOUT;
            case 409 -> CONFLICT;
            case 410 -> GONE;
            case 413 -> TOO_LARGE;
            case 429 -> RATE_LIMITED;
            case 503 -> UNAVAILABLE;
            // Not Implemented: the request asks for a method or transfer coding no server here carries out.
            case 501 -> INVALID_REQUEST;
            default -> status >= 500 ? INTERNAL_ERROR : INVALID_REQUEST;
        };
    }

    /**
     * {@code type} when it is one of the product's, else the type of {@code status}: a framework's
     * problem without a type ({@code null} or {@code about:blank}) gets the product's.
     */
    public static URI orForStatus(URI type, int status) {
        return type == null || "about:blank".equals(type.toString()) ? forStatus(status) : type;
    }

    /**
     * The problem of {@code status}, typed by {@link #forStatus}, as JSON text: for the answers written
     * where no message converter is at hand. {@code instance} is left out when null.
     */
    public static String json(int status, String title, String detail, String instance) {
        StringBuilder json = new StringBuilder(128)
                .append("{\"type\":")
                .append(quoted(forStatus(status).toString()))
                .append(",\"title\":")
                .append(quoted(title))
                .append(",\"status\":")
                .append(status)
                .append(",\"detail\":")
                .append(quoted(detail));
        if (instance != null) {
            json.append(",\"instance\":").append(quoted(instance));
        }
        return json.append('}').toString();
    }

    private static String quoted(String text) {
        StringBuilder quoted = new StringBuilder(text.length() + 2).append('"');
        for (char c : text.toCharArray()) {
            if (c == '"' || c == '\\') {
                quoted.append('\\').append(c);
            } else if (c < 0x20) {
                quoted.append(String.format("\\u%04x", (int) c));
            } else {
                quoted.append(c);
            }
        }
        return quoted.append('"').toString();
    }

    private static URI type(String name) {
        return URI.create("urn:portfolio-bulk:problem:" + name);
    }
}
