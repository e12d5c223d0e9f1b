package com.portfoliobulk.gateway.web;

import java.io.IOException;
import java.time.Duration;

/**
 * A request body whose bytes the gateway has waited for longer than it waits for one
 * ({@code bulk.gateway.web.body-read-timeout}); answered with 408.
 */
public final class RequestBodyTimeoutException extends IOException {

    private final Duration timeout;

    RequestBodyTimeoutException(Duration timeout) {
        super("The request body did not arrive within " + timeout.toMillis() + " ms");
        this.timeout = timeout;
    }

    public Duration timeout() {
        return timeout;
    }

    /** What a client is told without the API's problem around it (the SCIM endpoints' 408). */
    public static String shortDetail(Duration timeout) {
        return "The request body did not arrive within " + seconds(timeout)
                + "; nothing was changed: send the request again, with its whole body at once.";
    }

    static String seconds(Duration timeout) {
        long millis = timeout.toMillis();
        return millis % 1000 == 0 ? millis / 1000 + " s" : millis + " ms";
    }
}
