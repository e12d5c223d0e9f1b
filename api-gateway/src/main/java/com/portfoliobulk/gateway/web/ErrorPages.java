package com.portfoliobulk.gateway.web;

import jakarta.servlet.http.HttpServletRequest;
import org.springframework.http.ProblemDetail;
import org.springframework.web.servlet.ModelAndView;

/**
 * The pages of the paths that answer people rather than programs (the web console's), for the
 * errors the servlet container sends to the error page: {@link ProblemErrorController} asks for one
 * before it answers its problem.
 */
public interface ErrorPages {

    /**
     * The page to answer instead of {@code problem}, or {@code null} where the path answers problems.
     *
     * @param request the error page's request: the failed request, with the attributes it had set (such
     *     as the language its page was to be written in)
     * @param path the path (within the application) of the request that failed
     * @param problem the problem the error page would answer (a 5xx's is logged already, with its
     *     {@code errorId})
     */
    ModelAndView page(HttpServletRequest request, String path, ProblemDetail problem);
}
