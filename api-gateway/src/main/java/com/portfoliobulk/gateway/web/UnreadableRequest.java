package com.portfoliobulk.gateway.web;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.security.web.firewall.RequestRejectedException;

/**
 * A request the servlet container or the security firewall cannot read, found only when a handler
 * reads the part in question: a query string that does not decode ({@code %FF}, {@code %zz}, a
 * parameter without a name), or a header value outside printable ASCII. The client's mistake, so a 400
 * naming the part, not a failure of the service.
 */
public final class UnreadableRequest {

    /** The header named in the firewall's message, e.g. {@code the header: "X-Custom " has a value}. */
    private static final Pattern HEADER = Pattern.compile("header(?: name)?:? \"([^\"]{1,100})\"");

    static final String QUERY = "query string";

    static final String QUERY_FIX = "cannot be decoded: percent-encode every '%' as %25 and any other byte that is"
            + " not plain ASCII as UTF-8 (%C3%A9 for é), and give every parameter a name";

    static final String HEADER_FIX = "holds characters that are not allowed: header values are printable ASCII";

    private UnreadableRequest() {}

    /** The 400 for the query string, as Tomcat refuses it on first reading. */
    public static InvalidParameterException query() {
        return new InvalidParameterException(QUERY, QUERY_FIX);
    }

    /** The 400 for the header the firewall refused, named when its message names it. */
    public static InvalidParameterException header(RequestRejectedException ex) {
        Matcher header = HEADER.matcher(String.valueOf(ex.getMessage()));
        return new InvalidParameterException(header.find() ? header.group(1).strip() : "headers", HEADER_FIX);
    }
}
