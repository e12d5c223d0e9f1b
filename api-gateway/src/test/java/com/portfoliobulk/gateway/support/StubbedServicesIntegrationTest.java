package com.portfoliobulk.gateway.support;

import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;

/**
 * The running gateway with the bulk-worker and the audit-consumer stood in for by a {@link StubWorker}, and with small,
 * short submission and preview allowances (3 per 4 seconds per portfolio; 40 SCIM requests), so that rate limits can
 * be tripped and seen to recover quickly. Its calls to the stand-ins are signed as with a secret per link
 * ({@link #WORKER_LINK_SECRET}, {@link #AUDIT_LINK_SECRET}), each not the gateway's own. Every subclass
 * shares one application context.
 */
@TestPropertySource(
        properties = {
            "bulk.gateway.rate-limit.submissions.limit-for-period=" + StubbedServicesIntegrationTest.LIMIT,
            "bulk.gateway.rate-limit.submissions.refresh-period=4s",
            "bulk.gateway.rate-limit.previews.limit-for-period=" + StubbedServicesIntegrationTest.LIMIT,
            "bulk.gateway.rate-limit.previews.refresh-period=4s",
            "bulk.gateway.rate-limit.scim.limit-for-period=" + StubbedServicesIntegrationTest.SCIM_LIMIT,
            "bulk.gateway.rate-limit.scim.refresh-period=4s",
            "bulk.internal-auth.worker-token-secret=" + StubbedServicesIntegrationTest.WORKER_LINK_SECRET,
            "bulk.internal-auth.audit-token-secret=" + StubbedServicesIntegrationTest.AUDIT_LINK_SECRET
        })
public abstract class StubbedServicesIntegrationTest extends GatewayIntegrationTest {

    /** Submissions (and previews) one portfolio may make per 4 seconds here. */
    protected static final int LIMIT = 3;

    /** SCIM requests one portfolio's identity provider may make per 4 seconds here. */
    protected static final int SCIM_LIMIT = 40;

    /** The secret of the gateway's calls to the bulk-worker here ({@code BULK_WORKER_TOKEN_SECRET}). */
    protected static final String WORKER_LINK_SECRET = "test-worker-link-token-secret-0123456789abcdef";

    /** The secret of the gateway's calls to the audit-consumer here ({@code BULK_AUDIT_TOKEN_SECRET}). */
    protected static final String AUDIT_LINK_SECRET = "test-audit-link-token-secret-0123456789abcdef";

    protected final StubWorker worker = StubWorker.get();

    @DynamicPropertySource
    static void stubWorker(DynamicPropertyRegistry registry) {
        registry.add("bulk.gateway.worker-base-url", () -> StubWorker.get().baseUrl());
        registry.add("bulk.gateway.audit-base-url", () -> StubWorker.get().baseUrl());
    }
}
