package com.portfoliobulk.audit.web;

import com.portfoliobulk.audit.AuditApplication;
import com.portfoliobulk.testsupport.ContainerRejectionsContract;
import java.util.UUID;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;

/**
 * The audit-consumer's servlet container answers the requests it refuses itself (an encoded NUL,
 * slash or backslash in a path segment, a control character in a header value) with the product's
 * 400 problem+json, as the gateway does, not with its HTML error page.
 */
@SpringBootTest(
        webEnvironment = WebEnvironment.RANDOM_PORT,
        properties = "spring.config.name=" + AuditApplication.CONFIG_NAME)
class ContainerRejectionsIntegrationTests implements ContainerRejectionsContract {

    @Override
    public String pathWithSegment(String segment) {
        return "/api/v1/portfolios/" + segment + "/accounts/" + UUID.randomUUID() + "/activity-log";
    }
}
