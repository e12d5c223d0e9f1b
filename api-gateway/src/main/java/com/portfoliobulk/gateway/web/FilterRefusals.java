package com.portfoliobulk.gateway.web;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import tools.jackson.databind.json.JsonMapper;

/**
 * The answer of a request a servlet filter refuses before any controller sees it (a body too large,
 * the large bodies' budget used up): a problem, or under the SCIM base path a SCIM error, which the
 * SCIM error page writes.
 */
final class FilterRefusals {

    /** Where the SCIM endpoints are, which answer errors in SCIM's format instead of problems. */
    private static final String SCIM_PATHS = "/scim/v2/";

    private FilterRefusals() {}

    /**
     * Whether the request is under the SCIM base path, as it was sent or as it is decoded: {@code
     * /%73cim/v2/...} reaches the SCIM endpoints too.
     */
    static boolean isScim(HttpServletRequest request) {
        String path = request.getServletPath() + (request.getPathInfo() == null ? "" : request.getPathInfo());
        return path.startsWith(SCIM_PATHS) || request.getRequestURI().startsWith(request.getContextPath() + SCIM_PATHS);
    }

    /**
     * Answers {@code problem}, or on a SCIM path its status with {@code scimDetail}.
     */
    static void write(
            HttpServletRequest request,
            HttpServletResponse response,
            JsonMapper json,
            ProblemDetail problem,
            String scimDetail)
            throws IOException {
        if (isScim(request)) {
            response.sendError(problem.getStatus(), scimDetail);
            return;
        }
        Problems.setInstance(problem, request.getRequestURI());
        RequestIds.addTo(problem, request);
        response.setStatus(problem.getStatus());
        response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        json.writeValue(response.getOutputStream(), problem);
    }
}
