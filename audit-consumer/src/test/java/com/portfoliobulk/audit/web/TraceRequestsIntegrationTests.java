package com.portfoliobulk.audit.web;

import com.portfoliobulk.audit.AuditApplication;
import com.portfoliobulk.testsupport.TraceRefusalContract;
import java.util.Set;
import java.util.UUID;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;

/**
 * The audit-consumer answers {@code TRACE} on its activity log as the gateway does: 405 as its
 * problem naming it, with the activity log's own methods in {@code Allow}, before the internal token
 * is checked, and never an echo of the request.
 */
@SpringBootTest(
        webEnvironment = WebEnvironment.RANDOM_PORT,
        properties = "spring.config.name=" + AuditApplication.CONFIG_NAME)
class TraceRequestsIntegrationTests implements TraceRefusalContract {

    @Override
    public String tracedPath() {
        return "/api/v1/portfolios/" + UUID.randomUUID() + "/accounts/" + UUID.randomUUID() + "/activity-log";
    }

    @Override
    public Set<String> methodsOfTracedPath() {
        return Set.of("GET");
    }
}
