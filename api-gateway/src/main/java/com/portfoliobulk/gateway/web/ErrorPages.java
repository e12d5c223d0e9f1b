package com.portfoliobulk.gateway.web;

import jakarta.servlet.http.HttpServletRequest;
import java.util.Map;
import org.springframework.http.ProblemDetail;
import org.springframework.web.servlet.ModelAndView;

/**
 * The pages of the paths that answer people rather than programs (the web console's), for the
 * errors the servlet container sends to the error page: {@link ProblemErrorController} asks for one
 * before it answers its problem.
 */
public interface ErrorPages {

    /**
     * Whether the errors of {@code path} (within the application) are this one's pages: also the
     * refusals of a servlet filter before any controller ({@link FilterRefusals}), which the error page
     * then answers.
     */
    boolean hasPages(String path);

    /**
     * The security header fields of this one's pages that differ from the API's answers' (such as a
     * {@code Content-Security-Policy} that lets a page load its styles): a filter's refusal answered as a
     * page before the security filters ran, which write them on every other page, has these and the
     * API's others.
     */
    Map<String, String> securityHeaders();

    /**
     * The page to answer instead of {@code problem}, or {@code null} where the path answers problems
     * (has no pages of this one).
     *
     * @param request the error page's request: the failed request, with the attributes it had set (such
     *     as the language its page was to be written in)
     * @param path the path (within the application) of the request that failed
     * @param problem the problem the error page would answer (a 5xx's is logged already, with its
     *     {@code errorId})
     */
    ModelAndView page(HttpServletRequest request, String path, ProblemDetail problem);
}
