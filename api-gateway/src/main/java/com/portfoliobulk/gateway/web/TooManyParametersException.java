package com.portfoliobulk.gateway.web;

import org.apache.tomcat.util.http.InvalidParameterException;
import org.springframework.http.HttpStatus;

/**
 * A request with more parameters (its query string's and its form's fields together) than the gateway
 * reads, {@code server.tomcat.max-parameter-count}: thrown when they are first asked for ({@link
 * RequestParameters}), answered 400 naming the limit, and on a console page with a page saying so. The
 * servlet container's refusal of the same is no other than its refusal of a query string that does not
 * decode, which the answers would have called that.
 */
public final class TooManyParametersException extends InvalidParameterException {

    static final String TITLE = "Too many parameters";

    private final int limit;

    TooManyParametersException(int limit) {
        super("More than " + limit + " request parameters", HttpStatus.BAD_REQUEST.value());
        this.limit = limit;
    }

    /** The most parameters a request may have. */
    public int limit() {
        return limit;
    }

    /** The 400 of the API (and of the SCIM endpoints, in their format). */
    public RequestRefusedException refusal() {
        return new RequestRefusedException(
                RequestRefusedException.Reason.INVALID_PARAMETER,
                TITLE,
                "The request has more than " + limit + " parameters, its query string's and its form's fields"
                        + " together, more than the gateway reads (server.tomcat.max-parameter-count); nothing was"
                        + " changed: send fewer.");
    }

    /** {@code exception} as this one, where it is one or one is its cause; otherwise {@code null}. */
    public static TooManyParametersException in(Object exception) {
        for (Throwable cause = exception instanceof Throwable thrown ? thrown : null;
                cause != null;
                cause = cause.getCause()) {
            if (cause instanceof TooManyParametersException tooMany) {
                return tooMany;
            }
        }
        return null;
    }
}
