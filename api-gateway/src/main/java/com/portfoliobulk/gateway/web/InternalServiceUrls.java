package com.portfoliobulk.gateway.web;

import java.net.URI;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Where the gateway calls the internal services, each an absolute http(s) URL with a host ({@link
 * BaseUrls}), or the gateway does not start.
 *
 * @param workerBaseUrl the bulk-worker's internal API: invitations, SCIM users, account links
 *     ({@code BULK_WORKER_URL}, {@code bulk.gateway.worker-base-url})
 * @param auditBaseUrl the audit-consumer's internal activity log API ({@code BULK_AUDIT_URL},
 *     {@code bulk.gateway.audit-base-url})
 */
@ConfigurationProperties("bulk.gateway")
public record InternalServiceUrls(
        @DefaultValue("http://localhost:8081") String workerBaseUrl,
        @DefaultValue("http://localhost:8082") String auditBaseUrl) {

    public InternalServiceUrls {
        BaseUrls.require("BULK_WORKER_URL (bulk.gateway.worker-base-url)", workerBaseUrl, "http://bulk-worker:8081");
        BaseUrls.require("BULK_AUDIT_URL (bulk.gateway.audit-base-url)", auditBaseUrl, "http://audit-consumer:8082");
    }

    /** The bulk-worker's internal API. */
    public URI worker() {
        return URI.create(workerBaseUrl.strip());
    }

    /** The audit-consumer's internal activity log API. */
    public URI audit() {
        return URI.create(auditBaseUrl.strip());
    }
}
