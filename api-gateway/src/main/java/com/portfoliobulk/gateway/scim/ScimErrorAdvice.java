package com.portfoliobulk.gateway.scim;

import com.portfoliobulk.contracts.Quoted;
import com.portfoliobulk.gateway.web.InternalErrors;
import com.portfoliobulk.gateway.web.RequestBodyTimeoutException;
import com.portfoliobulk.gateway.web.RequestBodyTooLargeException;
import com.portfoliobulk.gateway.web.RequestRefusedException;
import com.portfoliobulk.gateway.web.TooManyParametersException;
import com.portfoliobulk.gateway.web.UnreadableRequest;
import com.portfoliobulk.gateway.web.UnstorableText;
import com.portfoliobulk.servicesupport.web.DisconnectedClients;
import com.portfoliobulk.servicesupport.web.Outages;
import jakarta.servlet.http.HttpServletRequest;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.security.web.firewall.RequestRejectedException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;

/**
 * Answers every error of the SCIM endpoints in the SCIM error format (RFC 7644 section 3.12) as
 * {@code application/scim+json}, ahead of the API's problem answers. A {@link
 * RequestRefusedException} keeps the status {@link ProblemAdvice} gives it and its headers (429 and
 * 503 with {@code Retry-After}, the rate limit fields). Spring MVC's own refusals (wrong method,
 * media types, unknown path) are answered by {@link ScimFrameworkErrors}, also before an endpoint is
 * chosen.
 */
@Order(Ordered.HIGHEST_PRECEDENCE)
@RestControllerAdvice(assignableTypes = {ScimUserController.class, ScimDiscoveryController.class})
class ScimErrorAdvice {

    private static final Logger log = LoggerFactory.getLogger(ScimErrorAdvice.class);

    @ExceptionHandler(ScimException.class)
    ResponseEntity<Map<String, Object>> scim(ScimException ex) {
        return ScimErrors.answer(ex.status(), ex.scimType(), ex.getMessage(), HttpHeaders.EMPTY);
    }

    /** The gateway's own refusals (rate limits, unavailable services): the status the API gives them. */
    @ExceptionHandler(RequestRefusedException.class)
    ResponseEntity<Map<String, Object>> refused(RequestRefusedException ex) {
        HttpStatus status = ex.reason().status();
        String detail = ex.getMessage() == null ? ex.title() : ex.getMessage();
        String scimType = ex.reason() == RequestRefusedException.Reason.RATE_LIMITED ? "tooMany" : null;
        HttpHeaders headers = new HttpHeaders();
        if (ex.retryAfterSeconds() != null) {
            headers.set(HttpHeaders.RETRY_AFTER, String.valueOf(ex.retryAfterSeconds()));
        }
        headers.addAll(ex.headers());
        return ScimErrors.answer(status, scimType, detail, headers);
    }

    /** A query string that does not decode, or a header value the firewall refuses: 400, naming it. */
    @ExceptionHandler({org.apache.tomcat.util.http.InvalidParameterException.class, RequestRejectedException.class})
    ResponseEntity<Map<String, Object>> unreadableRequest(Exception ex) {
        RequestRefusedException refusal = ex instanceof RequestRejectedException rejected
                ? UnreadableRequest.header(rejected)
                : UnreadableRequest.query();
        return ScimErrors.answer(HttpStatus.BAD_REQUEST, "invalidValue", refusal.getMessage(), HttpHeaders.EMPTY);
    }

    /** More parameters than the gateway reads: 400 naming the limit, not a query string that does not decode. */
    @ExceptionHandler(TooManyParametersException.class)
    ResponseEntity<Map<String, Object>> tooManyParameters(TooManyParametersException ex) {
        return ScimErrors.answer(
                HttpStatus.BAD_REQUEST, "invalidValue", ex.refusal().getMessage(), HttpHeaders.EMPTY);
    }

    @ExceptionHandler(HttpMessageNotReadableException.class)
    ResponseEntity<Map<String, Object>> unreadable(HttpMessageNotReadableException ex) {
        for (Throwable cause = ex; cause != null; cause = cause.getCause()) {
            if (cause instanceof RequestBodyTooLargeException tooLarge) {
                // A body without a declared length, cut off once more than the cap was read.
                return ScimErrors.answer(
                        HttpStatus.CONTENT_TOO_LARGE,
                        null,
                        RequestBodyTooLargeException.shortDetail(tooLarge.maxBytes()),
                        HttpHeaders.EMPTY);
            }
            if (cause instanceof RequestBodyTimeoutException tooSlow) {
                // A body that did not arrive within bulk.gateway.web.body-read-timeout.
                return ScimErrors.answer(
                        HttpStatus.REQUEST_TIMEOUT,
                        null,
                        RequestBodyTimeoutException.shortDetail(tooSlow.timeout()),
                        HttpHeaders.EMPTY);
            }
        }
        return ScimErrors.answer(
                HttpStatus.BAD_REQUEST,
                "invalidSyntax",
                "The request body is missing or is not well-formed JSON.",
                HttpHeaders.EMPTY);
    }

    @ExceptionHandler(MethodArgumentTypeMismatchException.class)
    ResponseEntity<Map<String, Object>> notAnId(MethodArgumentTypeMismatchException ex) {
        return ScimErrors.answer(
                HttpStatus.NOT_FOUND,
                null,
                "No resource has the id " + Quoted.of(ex.getValue()) + ".",
                HttpHeaders.EMPTY);
    }

    /**
     * Anything else is a bug, answered 500 as the API answers it ({@link InternalErrors}): the detail
     * quotes an error id, under which the log has the exception; except a client that went away ({@link DisconnectedClients}),
     * answered nothing, and a dependency that is unavailable ({@link Outages}: the database cannot be
     * reached, also a transaction that cannot begin, or fails a statement a retry resolves), answered
     * 503 with {@code Retry-After} as the API answers it ({@link ScimErrors#unavailable}).
     */
    @ExceptionHandler(Exception.class)
    ResponseEntity<Map<String, Object>> unexpected(Exception ex, HttpServletRequest request) {
        if (DisconnectedClients.wentAway(ex, request)) {
            return null;
        }
        ResponseEntity<Map<String, Object>> unavailable = ScimErrors.unavailable(ex);
        if (unavailable != null) {
            return unavailable;
        }
        if (UnstorableText.isCause(ex)) {
            log.warn("SCIM request refused: the database refused text of the request ({})", ex.toString());
            return ScimErrors.answer(HttpStatus.BAD_REQUEST, "invalidValue", UnstorableText.DETAIL, HttpHeaders.EMPTY);
        }
        return ScimErrors.answer(
                HttpStatus.INTERNAL_SERVER_ERROR,
                null,
                InternalErrors.detail(InternalErrors.logged(ex)),
                HttpHeaders.EMPTY);
    }
}
