package com.portfoliobulk.worker.web;

import com.portfoliobulk.testsupport.TraceRefusalContract;
import com.portfoliobulk.worker.WorkerIntegrationSupport;
import java.util.Set;

/**
 * The worker answers {@code TRACE} on its internal API as the gateway does: 405 as a problem naming
 * it, with the dead-letter list's own methods in {@code Allow}, before the internal token is checked,
 * and never an echo of the request.
 */
class TraceRequestsIntegrationTests extends WorkerIntegrationSupport implements TraceRefusalContract {

    @Override
    public String tracedPath() {
        return "/internal/dead-letters";
    }

    @Override
    public Set<String> methodsOfTracedPath() {
        return Set.of("GET");
    }
}
