package com.portfoliobulk.worker.security;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.servicesupport.settings.InvalidSettingException;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * The bulk-worker does not start without its internal token secret, or with one shorter than 32 bytes,
 * and its start's failure report names the variable and what to set (not the filter bean that read it).
 */
class InternalApiAuthenticationTests {

    private final ApplicationContextRunner service =
            new ApplicationContextRunner().withUserConfiguration(InternalApiAuthentication.class);

    @Test
    void aMissingOrShortSecretStopsTheStartOnTheSetting() {
        for (String secret : new String[] {"", "too-short"}) {
            service.withPropertyValues("bulk.internal-auth.token-secret=" + secret)
                    .run(context -> assertThat(context)
                            .getFailure()
                            .rootCause()
                            .isInstanceOfSatisfying(InvalidSettingException.class, refused -> {
                                assertThat(refused.setting()).isEqualTo("BULK_INTERNAL_TOKEN_SECRET");
                                assertThat(refused.getMessage())
                                        .contains("BULK_INTERNAL_TOKEN_SECRET (bulk.internal-auth.token-secret)")
                                        .contains("32 bytes");
                                assertThat(refused.action()).contains("openssl rand -base64 48");
                            }));
        }
    }
}
