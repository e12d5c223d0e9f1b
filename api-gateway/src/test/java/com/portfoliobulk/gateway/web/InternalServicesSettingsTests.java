package com.portfoliobulk.gateway.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.testsupport.TestTokens;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** The secrets of the gateway's calls to the internal services, which it checks as it starts. */
class InternalServicesSettingsTests {

    private final ApplicationContextRunner gateway = new ApplicationContextRunner()
            .withUserConfiguration(InternalServices.class)
            .withPropertyValues("bulk.internal-auth.token-secret=" + TestTokens.INTERNAL_SECRET);

    @Test
    void withoutSecretsOfTheirOwnTheLinksUseTheGatewaysSecret() {
        gateway.run(context -> assertThat(context).hasNotFailed().hasSingleBean(InternalServices.class));
    }

    @Test
    void aLinksSecretShorterThan32BytesStopsTheStartNamingIt() {
        gateway.withPropertyValues("bulk.internal-auth.worker-token-secret=too-short")
                .run(context -> assertThat(context)
                        .getFailure()
                        .rootCause()
                        .hasMessageContaining("BULK_WORKER_TOKEN_SECRET (bulk.internal-auth.worker-token-secret)")
                        .hasMessageContaining("at least 32 bytes"));
        gateway.withPropertyValues("bulk.internal-auth.audit-token-secret=too-short")
                .run(context -> assertThat(context)
                        .getFailure()
                        .rootCause()
                        .hasMessageContaining("BULK_AUDIT_TOKEN_SECRET (bulk.internal-auth.audit-token-secret)")
                        .hasMessageContaining("at least 32 bytes"));
    }
}
