package com.portfoliobulk.gateway.web;

import com.portfoliobulk.contracts.ProblemTypes;
import com.portfoliobulk.servicesupport.web.DisconnectedClients;
import io.swagger.v3.oas.annotations.Hidden;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.util.List;
import org.springframework.boot.webmvc.error.ErrorController;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.ModelAndView;

/**
 * Replaces Spring Boot's error page: errors the servlet container handles itself (an exception in a
 * filter, {@code sendError}) also answer {@code application/problem+json}, never an HTML page or
 * Boot's own error JSON with exception details; except on the paths whose {@link ErrorPages} has a
 * page of its own (the console's), where a person reads the answer.
 */
@Hidden
@RestController
class ProblemErrorController implements ErrorController {

    private final List<ErrorPages> pages;

    ProblemErrorController(List<ErrorPages> pages) {
        this.pages = List.copyOf(pages);
    }

    /**
     * The problem of the error, or the page an {@link ErrorPages} answers instead (a {@link ModelAndView});
     * nothing for a client that went away ({@link DisconnectedClients}), and nothing after an answer
     * that had begun (the container includes the error page in it, then closes the connection): the
     * error is logged once ({@link CommittedAnswers}), and the client sees its transfer fail.
     */
    @RequestMapping("${server.error.path:/error}")
    Object error(HttpServletRequest request, HttpServletResponse response) {
        HttpStatus status = status(request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE));
        Object exception = request.getAttribute(RequestDispatcher.ERROR_EXCEPTION);
        if (response.isCommitted()) {
            if (exception instanceof Throwable cause
                    && !(cause instanceof CommittedAnswers.CutOffException)
                    && !DisconnectedClients.wentAway(cause, request)) {
                CommittedAnswers.logCutOff(cause, request);
            }
            return null;
        }
        ProblemDetail problem;
        if (request.getAttribute(FilterRefusals.PROBLEM) instanceof ProblemDetail refused) {
            // A servlet filter's refusal on a path with pages of its own (a 503 among them: no error).
            problem = refused;
        } else if (status.is5xxServerError()) {
            if (exception instanceof Throwable cause && DisconnectedClients.wentAway(cause, request)) {
                return null;
            }
            problem = InternalErrors.problem(
                    exception instanceof Throwable cause ? cause : new IllegalStateException("HTTP " + status));
            problem.setStatus(status.value());
        } else if (TooManyParametersException.in(exception) instanceof TooManyParametersException tooMany) {
            // Found by a filter that read the parameters (the console's CSRF check reads a form's token).
            RequestRefusedException refusal = tooMany.refusal();
            problem = Problems.of(status, Problems.INVALID_REQUEST, refusal.title(), refusal.getMessage(), List.of());
        } else {
            problem = Problems.of(
                    status,
                    ProblemTypes.forStatus(status.value()),
                    status == HttpStatus.NOT_FOUND ? NotFoundException.TITLE : status.getReasonPhrase(),
                    "The request cannot be answered: " + status.value() + " " + status.getReasonPhrase() + ".",
                    List.of());
        }
        if (request.getAttribute(RequestDispatcher.ERROR_REQUEST_URI) instanceof String uri) {
            Problems.setInstance(problem, uri);
            String context = request.getContextPath();
            String path = uri.startsWith(context) ? uri.substring(context.length()) : uri;
            for (ErrorPages owner : pages) {
                ModelAndView page = owner.page(request, path, problem);
                if (page != null) {
                    return page;
                }
            }
        }
        return ResponseEntity.status(status)
                .contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .body(problem);
    }

    /** The error's status; a direct request of the error path (no error at all) is a 404. */
    private static HttpStatus status(Object code) {
        HttpStatus status = code instanceof Integer value ? HttpStatus.resolve(value) : null;
        return status == null || !status.isError() ? HttpStatus.NOT_FOUND : status;
    }
}
