package com.portfoliobulk.gateway.security;

import com.portfoliobulk.gateway.web.FilterRefusals;
import com.portfoliobulk.gateway.web.RejectedRequests;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.security.web.firewall.RequestRejectedException;
import org.springframework.security.web.firewall.RequestRejectedHandler;
import tools.jackson.databind.json.JsonMapper;

/**
 * The firewall's refusals, before any endpoint is chosen: a method the API does not take (405 with
 * {@code Allow}), a path with a sequence it does not allow, a header or parameter with characters it
 * does not allow (400), each a problem naming the part. Spring Security's default sent a bare 400
 * whose error page could not always be written. On the web console's pages, a browser gets the
 * console's error page of that problem instead ({@link FilterRefusals#answeredAsPage}), as from a
 * console handler. The SCIM endpoints answer in their own format around it ({@code
 * ScimSecurityConfiguration}).
 */
public final class RejectedRequestProblems implements RequestRejectedHandler {

    private final ProblemResponses problems;

    private final FilterRefusals pages;

    public RejectedRequestProblems(JsonMapper json, FilterRefusals pages) {
        this.problems = new ProblemResponses(json);
        this.pages = pages;
    }

    @Override
    public void handle(HttpServletRequest request, HttpServletResponse response, RequestRejectedException ex)
            throws IOException {
        RejectedRequests refusal = RejectedRequests.of(ex);
        if (refusal.status() == HttpStatus.METHOD_NOT_ALLOWED) {
            response.setHeader(HttpHeaders.ALLOW, RejectedRequests.METHODS);
        }
        if (!pages.answeredAsPage(request, response, refusal.problem())) {
            problems.rejected(request, response, refusal);
        }
    }
}
