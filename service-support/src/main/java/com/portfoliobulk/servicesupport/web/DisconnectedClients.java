package com.portfoliobulk.servicesupport.web;

import com.portfoliobulk.servicesupport.tracing.SecretPaths;
import jakarta.servlet.http.HttpServletRequest;
import org.apache.catalina.connector.ClientAbortException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.web.context.request.async.AsyncRequestNotUsableException;

/**
 * A client that went away while a service answered it: a browser that navigated away while an asset,
 * a CSV download or a long page was still being sent from the gateway, a script that stopped, the
 * gateway itself that gave up waiting on the worker or the audit-consumer (its read timeout) while they
 * wrote a large answer. Writing the answer then fails; that is no bug, and no one is left to read an
 * answer. The error handlers (the gateway's {@code ProblemAdvice}, its SCIM endpoints', its error page;
 * {@link ServiceProblems} and its error page {@link ProblemErrorPage} in the worker and the
 * audit-consumer) ask here first: such a failure answers nothing and is logged as one line at DEBUG, its
 * stack trace at TRACE, as Spring MVC's own handlers log it; never as an {@code Unexpected error} with a
 * 500.
 *
 * <p>Only the servlet container's failure to read from or write to this client counts: Tomcat's {@link
 * ClientAbortException}, or the {@link AsyncRequestNotUsableException} that Spring MVC's wrapper of the
 * response reports it as (also for an answer written after the request's thread, such as the task
 * CSV). Spring's own test ({@code
 * DisconnectedClientHelper}) also takes any {@code EOFException}, {@code Broken pipe} or {@code
 * Connection reset by peer} for a client that left, which is also what a connection to the database
 * failing looks like: an error of the service's own (an outage), which stays one.
 */
public final class DisconnectedClients {

    private static final Logger log = LoggerFactory.getLogger(DisconnectedClients.class);

    private DisconnectedClients() {}

    /**
     * Whether {@code ex} (or one of its causes) is the client of {@code request} gone; if so, logs it.
     *
     * @param request the request whose answer failed; {@code null} where it is not known
     */
    public static boolean wentAway(Throwable ex, HttpServletRequest request) {
        if (!isDisconnect(ex)) {
            return false;
        }
        // An invitation page's path holds its token: logged as {token}.
        String what =
                request == null ? "A request" : request.getMethod() + " " + SecretPaths.redact(request.getRequestURI());
        if (log.isTraceEnabled()) {
            log.trace("{}: the client went away before its answer was written", what, ex);
        } else {
            log.debug("{}: the client went away before its answer was written ({})", what, ex.toString());
        }
        return true;
    }

    private static boolean isDisconnect(Throwable ex) {
        for (Throwable cause = ex; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
            if (cause instanceof ClientAbortException || cause instanceof AsyncRequestNotUsableException) {
                return true;
            }
        }
        return false;
    }
}
