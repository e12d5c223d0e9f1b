package com.portfoliobulk.gateway.web;

import java.io.IOException;

/** A request body longer than the configured maximum; answered with 413. */
public final class RequestBodyTooLargeException extends IOException {

    private final long maxBytes;

    RequestBodyTooLargeException(long maxBytes) {
        super("The request body is larger than " + maxBytes + " bytes");
        this.maxBytes = maxBytes;
    }

    public long maxBytes() {
        return maxBytes;
    }

    /** What a client is told without the API's problem around it (the SCIM endpoints' 413). */
    public static String shortDetail(long maxBytes) {
        return "The request body may be at most " + maxBytes + " bytes.";
    }
}
