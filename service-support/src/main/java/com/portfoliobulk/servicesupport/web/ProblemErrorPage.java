package com.portfoliobulk.servicesupport.web;

import com.portfoliobulk.servicesupport.tracing.SecretPaths;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.webmvc.error.ErrorController;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.stereotype.Controller;
import org.springframework.web.ErrorResponseException;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.servlet.HandlerExceptionResolver;
import org.springframework.web.servlet.resource.NoResourceFoundException;

/**
 * The error page as the service's problem: the exception the container caught is answered as if
 * a controller had thrown it (an unexpected one as 500 naming only an {@code errorId}, which the
 * log has with the exception); an error sent without one as the problem of its status (a 500 with
 * an {@code errorId} too); the error page requested itself as the 404 of a path no endpoint has.
 * The problem's {@code instance} is the path of the request that failed. Should no exception
 * handler of the service answer, the problem of the status is written here ({@link ProblemJson}). A
 * client that went away while it was answered ({@link DisconnectedClients}) is answered nothing.
 */
@Controller
final class ProblemErrorPage implements ErrorController {

    private final ObjectProvider<HandlerExceptionResolver> problems;

    ProblemErrorPage(ObjectProvider<HandlerExceptionResolver> problems) {
        this.problems = problems;
    }

    @RequestMapping("${server.error.path:/error}")
    void error(HttpServletRequest request, HttpServletResponse response) throws IOException {
        HttpServletRequest failed = new FailedRequest(request);
        if (request.getAttribute(RequestDispatcher.ERROR_EXCEPTION) instanceof Throwable thrown
                && DisconnectedClients.wentAway(thrown, failed)) {
            return;
        }
        Exception error = error(failed);
        // As the DispatcherServlet asks them, in their order: the first to answer wins.
        for (HandlerExceptionResolver resolver : problems.orderedStream().toList()) {
            if (resolver.resolveException(failed, response, null, error) != null) {
                return;
            }
        }
        if (!response.isCommitted()) {
            write(error, failed, response);
        }
    }

    /** The error the container forwarded, as the exception a service's exception handling answers. */
    private static Exception error(HttpServletRequest request) {
        Object thrown = request.getAttribute(RequestDispatcher.ERROR_EXCEPTION);
        if (thrown instanceof Exception exception) {
            return exception;
        }
        if (thrown instanceof Throwable throwable) {
            return new ServletException(throwable);
        }
        int status = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE) instanceof Integer code ? code : 0;
        if (status < 400 || status > 999) {
            // No error at all: the error page itself was asked for, a path no endpoint has.
            String path = request.getRequestURI();
            return new NoResourceFoundException(
                    HttpMethod.valueOf(request.getMethod()), path, path.startsWith("/") ? path.substring(1) : path);
        }
        if (status == HttpServletResponse.SC_INTERNAL_SERVER_ERROR) {
            // Logged with the exception: the path and the message it was sent with, any invitation token
            // left out (SecretPaths), as every other line naming a request.
            Object message = request.getAttribute(RequestDispatcher.ERROR_MESSAGE);
            return new ServletException(SecretPaths.redact("Error 500 sent for " + request.getMethod() + " "
                    + request.getRequestURI()
                    + (message instanceof String text && !text.isBlank() ? ": " + text : "")));
        }
        return new ErrorResponseException(
                HttpStatusCode.valueOf(status),
                ProblemDetail.forStatusAndDetail(HttpStatusCode.valueOf(status), detail(status)),
                null);
    }

    /** What the answer says of an error sent without an exception: never the message it was sent with. */
    private static String detail(int status) {
        return status >= 500
                ? "The request could not be completed; try again later."
                : "The request cannot be answered: " + status + " " + ProblemJson.title(status) + ".";
    }

    private static void write(Exception error, HttpServletRequest request, HttpServletResponse response)
            throws IOException {
        int status = error instanceof ErrorResponseException refusal
                ? refusal.getStatusCode().value()
                : error instanceof NoResourceFoundException ? 404 : 500;
        response.resetBuffer();
        response.setStatus(status);
        response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        response.setCharacterEncoding(StandardCharsets.UTF_8.name());
        String problem = ProblemJson.of(status, detail(status), request.getRequestURI());
        response.getOutputStream().write(problem.getBytes(StandardCharsets.UTF_8));
    }

    /** The request that failed, as its exception handling sees it: its own path, not the error page's. */
    private static final class FailedRequest extends HttpServletRequestWrapper {

        FailedRequest(HttpServletRequest request) {
            super(request);
        }

        @Override
        public String getRequestURI() {
            return getAttribute(RequestDispatcher.ERROR_REQUEST_URI) instanceof String uri
                    ? uri
                    : super.getRequestURI();
        }
    }
}
