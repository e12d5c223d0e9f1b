package com.portfoliobulk.gateway.web;

import com.portfoliobulk.gateway.support.GatewayIntegrationTest;
import com.portfoliobulk.testsupport.ContainerRejectionsContract;
import java.util.UUID;

/**
 * Requests the servlet container refuses before any application code sees them (an encoded NUL,
 * slash or backslash in a path segment, a control character in a header value) are answered with
 * the same problem+json as every other bad request, never the container's HTML page; the cases are
 * {@link ContainerRejectionsContract}'s, sent with a valid token to a job list.
 */
class ContainerRejectionsIntegrationTests extends GatewayIntegrationTest implements ContainerRejectionsContract {

    @Override
    public String pathWithSegment(String segment) {
        return "/api/v1/portfolios/" + segment + "/bulk-jobs";
    }

    @Override
    public String extraHeaders() {
        return "Authorization: Bearer " + admin(UUID.randomUUID()) + "\r\n";
    }
}
