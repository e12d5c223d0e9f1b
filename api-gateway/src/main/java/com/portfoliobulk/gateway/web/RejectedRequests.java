package com.portfoliobulk.gateway.web;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.security.web.firewall.RequestRejectedException;

/**
 * What the security firewall refused, in the API's terms: which part of the request (the method, the
 * path, a header or a query parameter by name), what is wrong with it and how to send it instead. The
 * firewall refuses before any endpoint is chosen; its own messages name the part but speak of
 * "malicious" strings.
 *
 * @param status 405 for a method the API does not take, 400 otherwise
 * @param part the field of the problem: {@code method}, {@code path}, a header's or parameter's name
 * @param message what to change
 */
public record RejectedRequests(HttpStatus status, String part, String message) {

    /** The methods the API's endpoints take between them. */
    public static final String METHODS = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS";

    private static final Pattern NAMED = Pattern.compile("(?:header|parameter)(?: name)?:? \"([^\"]{1,100})\"");

    private static final String PATH_FIX = "holds a sequence that is not allowed in a path (such as ;, //, /./,"
            + " /../, an encoded / \\ or %, or a character outside printable ASCII); send the path as documented";

    /** The refusal of {@code ex}, read from the firewall's message. */
    public static RejectedRequests of(RequestRejectedException ex) {
        String text = String.valueOf(ex.getMessage());
        if (text.contains("HTTP method")) {
            return new RejectedRequests(
                    HttpStatus.METHOD_NOT_ALLOWED, "method", "is not one this API takes; use one of " + METHODS);
        }
        Matcher named = NAMED.matcher(text);
        if (text.contains("header") && named.find()) {
            return new RejectedRequests(HttpStatus.BAD_REQUEST, named.group(1).strip(), UnreadableRequest.HEADER_FIX);
        }
        if (text.contains("parameter") && named.find(0)) {
            return new RejectedRequests(
                    HttpStatus.BAD_REQUEST,
                    named.group(1).strip(),
                    "holds characters that are not allowed: send printable text, percent-encoded as UTF-8");
        }
        if (text.contains("domain")) {
            return new RejectedRequests(HttpStatus.BAD_REQUEST, "Host", "is not a host this API answers as");
        }
        return new RejectedRequests(HttpStatus.BAD_REQUEST, "path", PATH_FIX);
    }

    /** The problem's detail, as every field problem's: {@code Invalid 'part': message}. */
    public String detail() {
        return "Invalid '" + part + "': " + message;
    }

    /** The problem the API answers: {@code invalid-request}, its {@code errors} naming the part. */
    public ProblemDetail problem() {
        return Problems.of(
                status,
                Problems.INVALID_REQUEST,
                status.getReasonPhrase(),
                detail(),
                List.of(new FieldProblem(part, message)));
    }
}
