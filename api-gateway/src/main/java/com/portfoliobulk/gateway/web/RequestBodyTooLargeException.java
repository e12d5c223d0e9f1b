package com.portfoliobulk.gateway.web;

import java.io.IOException;

/** A request body longer than the configured maximum; answered with 413. */
final class RequestBodyTooLargeException extends IOException {

    private final long maxBytes;

    RequestBodyTooLargeException(long maxBytes) {
        super("The request body is larger than " + maxBytes + " bytes");
        this.maxBytes = maxBytes;
    }

    long maxBytes() {
        return maxBytes;
    }
}
