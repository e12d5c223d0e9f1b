package com.portfoliobulk.worker.web;

import com.portfoliobulk.testsupport.ContainerRejectionsContract;
import com.portfoliobulk.worker.WorkerIntegrationSupport;

/**
 * The worker's servlet container answers the requests it refuses itself (an encoded NUL, slash or
 * backslash in a path segment, a control character in a header value) with the product's 400
 * problem+json, as the gateway does, not with its HTML error page.
 */
class ContainerRejectionsIntegrationTests extends WorkerIntegrationSupport implements ContainerRejectionsContract {

    @Override
    public String pathWithSegment(String segment) {
        return "/internal/invitations/" + segment + "/accept";
    }
}
