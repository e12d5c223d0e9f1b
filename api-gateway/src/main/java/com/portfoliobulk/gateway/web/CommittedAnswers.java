package com.portfoliobulk.gateway.web;

import com.portfoliobulk.servicesupport.tracing.SecretPaths;
import com.portfoliobulk.servicesupport.web.DisconnectedClients;
import com.portfoliobulk.servicesupport.web.Outages;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ValveBase;
import org.apache.coyote.ActionCode;
import org.apache.coyote.CloseNowException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.web.client.RestClientException;
import org.springframework.web.context.request.async.AsyncRequestTimeoutException;
import org.springframework.web.servlet.HandlerExceptionResolver;
import org.springframework.web.servlet.ModelAndView;
import org.springframework.web.servlet.View;

/**
 * An error after an answer has begun, its status and first bytes sent: a streamed download (a job's
 * task CSV) cut off by {@code bulk.gateway.web.streaming-timeout}, refused on the way (its job deleted
 * meanwhile), failed by an outage of the database ({@link Outages}), or, on the console, failed because
 * the API's answer it passes on failed. No problem can be answered any more, and an answer that merely
 * stops looks whole: the container ends a chunked answer with its last chunk, and the client keeps part
 * of the download for all of it. Spring MVC's own handlers take such
 * an error for handled (they log that they ignore it), and the error page would append its problem to
 * what was sent. This resolver, ahead of the others, logs the error once and has the container close
 * the connection at once, without the last chunk and without writing anything more, so that the client
 * sees the transfer fail (curl: "transfer closed with outstanding read data remaining"). A client that
 * went away ({@link DisconnectedClients}) is only noted: no one is left to read.
 */
final class CommittedAnswers implements HandlerExceptionResolver {

    private static final Logger log = LoggerFactory.getLogger(CommittedAnswers.class);

    /**
     * Ends the request with a {@link CutOffException}: an exception that leaves Spring MVC is the only
     * way to have the container close the connection, and a resolver's own exception would not leave
     * it (Spring MVC takes it for the resolver's failure), while a view's exception does.
     */
    private static final View CLOSE_CONNECTION = (model, request, response) -> {
        throw new CutOffException();
    };

    @Override
    public ModelAndView resolveException(
            HttpServletRequest request, HttpServletResponse response, Object handler, Exception ex) {
        if (!response.isCommitted()) {
            return null;
        }
        if (DisconnectedClients.wentAway(ex, request)) {
            return new ModelAndView();
        }
        logCutOff(ex, request);
        return new ModelAndView(CLOSE_CONNECTION);
    }

    /** Logs why the answer to {@code request}, begun already, is cut off: {@code ex}. */
    static void logCutOff(Throwable ex, HttpServletRequest request) {
        String dependency = Outages.dependency(ex);
        if (ex instanceof AsyncRequestTimeoutException) {
            log.warn(
                    "{}: cut off, its answer took longer than bulk.gateway.web.streaming-timeout allows",
                    what(request));
        } else if (ex instanceof RequestRefusedException refused) {
            log.warn("{}: cut off, refused after its first bytes: {}", what(request), refused.getMessage());
        } else if (dependency != null) {
            // An outage, no defect: one line without a stack trace, as the 503 of an outage is logged.
            log.warn("{}: cut off, the {} is unavailable ({})", what(request), dependency, ex.toString());
        } else if (ex instanceof RestClientException) {
            // The console's download of the API's, which failed midway: the API has logged why.
            log.warn("{}: cut off, the answer it passes on failed ({})", what(request), ex.toString());
        } else {
            // A defect: the log has it with its stack trace, under an error id no one is answered.
            InternalErrors.problem(ex);
        }
    }

    private static String what(HttpServletRequest request) {
        return request.getMethod() + " " + SecretPaths.redact(request.getRequestURI());
    }

    /**
     * The container's signal to close the connection now ({@link CloseNowException}), which it logs at
     * DEBUG only; {@link CloseCutOffConnections} closes it before the container's error page or error
     * report would write anything more.
     */
    static final class CutOffException extends CloseNowException {

        CutOffException() {
            super("The answer was cut off after it had begun");
        }
    }

    /**
     * Closes the connection of an answer cut off ({@link CutOffException}) as soon as the request
     * leaves the application. The container's own handling of an error after an answer has begun (its
     * error page, its error report) first writes out what is left of the answer and only then closes
     * the connection: to a client that stopped reading (the very one a streaming timeout cuts off),
     * that write waited for the container's write timeout, a minute, before the client saw the failure.
     */
    static final class CloseCutOffConnections extends ValveBase {

        CloseCutOffConnections() {
            super(true);
        }

        @Override
        public void invoke(Request request, Response response) throws IOException, ServletException {
            getNext().invoke(request, response);
            if (response.isCommitted()
                    && request.getAttribute(RequestDispatcher.ERROR_EXCEPTION) instanceof CutOffException cutOff) {
                response.getCoyoteResponse().action(ActionCode.CLOSE_NOW, cutOff);
            }
        }
    }
}
