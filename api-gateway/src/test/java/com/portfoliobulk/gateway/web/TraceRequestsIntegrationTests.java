package com.portfoliobulk.gateway.web;

import com.portfoliobulk.gateway.support.GatewayIntegrationTest;
import com.portfoliobulk.testsupport.TraceRefusalContract;
import java.util.Set;
import java.util.UUID;

/**
 * The gateway answers {@code TRACE} as the worker and the audit-consumer do ({@link
 * TraceRefusalContract}): 405 as the API's problem, with a job list's own methods in {@code Allow},
 * before the security filters, and never an echo of the request.
 */
class TraceRequestsIntegrationTests extends GatewayIntegrationTest implements TraceRefusalContract {

    @Override
    public String tracedPath() {
        return jobsPath(UUID.randomUUID());
    }

    @Override
    public Set<String> methodsOfTracedPath() {
        return Set.of("GET", "POST");
    }
}
