package com.portfoliobulk.gateway.security;

import com.portfoliobulk.gateway.web.FieldProblem;
import com.portfoliobulk.gateway.web.Problems;
import com.portfoliobulk.gateway.web.RejectedRequests;
import com.portfoliobulk.gateway.web.RequestIds;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.util.List;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.oauth2.server.resource.web.BearerTokenAuthenticationEntryPoint;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.web.access.AccessDeniedHandler;
import tools.jackson.databind.json.JsonMapper;

/**
 * Writes 401 and 403 answers of the security filters as RFC 9457 problems like every other problem
 * of the API (the request's path as {@code instance}, its {@code requestId}), keeping the {@code
 * WWW-Authenticate} header a bearer-token client expects.
 */
final class ProblemResponses {

    private final JsonMapper json;

    ProblemResponses(JsonMapper json) {
        this.json = json;
    }

    AuthenticationEntryPoint authenticationEntryPoint() {
        BearerTokenAuthenticationEntryPoint bearer = new BearerTokenAuthenticationEntryPoint();
        return (request, response, exception) -> {
            bearer.commence(request, response, exception);
            write(
                    request,
                    response,
                    HttpStatus.UNAUTHORIZED,
                    Problems.UNAUTHORIZED,
                    "Authentication required",
                    detail(exception));
        };
    }

    AccessDeniedHandler accessDeniedHandler() {
        return (request, response, exception) -> write(
                request, response, HttpStatus.FORBIDDEN, Problems.FORBIDDEN, "Permission denied", detail(exception));
    }

    /** A firewall's refusal as a problem naming the part refused ({@link RejectedRequestProblems}). */
    void rejected(HttpServletRequest request, HttpServletResponse response, RejectedRequests refusal)
            throws IOException {
        if (refusal.status() == HttpStatus.METHOD_NOT_ALLOWED) {
            response.setHeader(HttpHeaders.ALLOW, RejectedRequests.METHODS);
        }
        ProblemDetail problem = Problems.of(
                refusal.status(),
                Problems.INVALID_REQUEST,
                refusal.status().getReasonPhrase(),
                refusal.detail(),
                List.of(new FieldProblem(refusal.part(), refusal.message())));
        write(request, response, problem);
    }

    private static String detail(AuthenticationException exception) {
        return "Send a valid, unexpired bearer token (Authorization: Bearer <JWT>). "
                + (exception.getMessage() == null ? "" : exception.getMessage());
    }

    private static String detail(AccessDeniedException exception) {
        return exception.getMessage() == null ? "You may not do this." : exception.getMessage();
    }

    private void write(
            HttpServletRequest request,
            HttpServletResponse response,
            HttpStatus status,
            URI type,
            String title,
            String detail)
            throws IOException {
        write(request, response, Problems.of(status, type, title, detail.strip(), List.of()));
    }

    private void write(HttpServletRequest request, HttpServletResponse response, ProblemDetail problem)
            throws IOException {
        Problems.setInstance(problem, request.getRequestURI());
        RequestIds.addTo(problem, request);
        response.setStatus(problem.getStatus());
        response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        json.writeValue(response.getOutputStream(), problem);
    }
}
