package com.portfoliobulk.servicesupport.web;

import java.util.regex.Pattern;

/**
 * The id a request goes by, in its answer and in every service's log: the api-gateway gives each
 * request one (the client's own {@value #NAME} when it is usable) and sends it along in {@value #NAME}
 * with its calls to the internal services, whose lines written for such a call carry it too ({@link
 * RequestIdsAutoConfiguration}). One rule of what is usable, for the gateway and the services alike.
 */
public final class RequestIdHeader {

    /** The header that carries the id. */
    public static final String NAME = "X-Request-Id";

    /** The logging context key of the id ({@code requestId} in JSON logs). */
    public static final String LOG_KEY = "requestId";

    /** 1 to 128 letters, digits and {@code . _ : -}: nothing that could forge or break a log line. */
    private static final Pattern USABLE = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

    private RequestIdHeader() {}

    /** Whether {@code id}, as sent in {@value #NAME}, may be used as the request's id; null is not. */
    public static boolean usable(String id) {
        return id != null && USABLE.matcher(id).matches();
    }
}
