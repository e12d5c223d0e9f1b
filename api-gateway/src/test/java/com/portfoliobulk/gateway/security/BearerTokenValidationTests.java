package com.portfoliobulk.gateway.security;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.gateway.GatewayApplication;
import com.portfoliobulk.testsupport.TestTokens;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.security.autoconfigure.SecurityAutoConfiguration;
import org.springframework.boot.security.autoconfigure.web.servlet.ServletWebSecurityAutoConfiguration;
import org.springframework.boot.security.oauth2.server.resource.autoconfigure.OAuth2ResourceServerAutoConfiguration;
import org.springframework.boot.test.context.ConfigDataApplicationContextInitializer;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.security.oauth2.jwt.JwtDecoder;

/** Startup decides which tokens are valid, and refuses to start without a clear choice. */
class BearerTokenValidationTests {

    private final WebApplicationContextRunner gateway = new WebApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(
                    JacksonAutoConfiguration.class,
                    SecurityAutoConfiguration.class,
                    ServletWebSecurityAutoConfiguration.class,
                    OAuth2ResourceServerAutoConfiguration.class))
            .withUserConfiguration(GatewaySecurity.class);

    @Test
    void withoutAnyTokenValidationConfiguredItDoesNotStart() {
        gateway.run(context ->
                assertThat(context).getFailure().rootCause().hasMessage(BearerTokenValidation.NOT_CONFIGURED));
    }

    @Test
    void anEmptySecretIsNoSecret() {
        gateway.withPropertyValues("bulk.gateway.security.hs256-secret=")
                .run(context ->
                        assertThat(context).getFailure().rootCause().hasMessage(BearerTokenValidation.NOT_CONFIGURED));
    }

    @Test
    void withBothASecretAndAKeySetItDoesNotStart() {
        gateway.withPropertyValues(
                        "bulk.gateway.security.hs256-secret=" + TestTokens.DEVELOPMENT_SECRET,
                        "spring.security.oauth2.resourceserver.jwt.jwk-set-uri=https://idp.example.test/jwks")
                .run(context ->
                        assertThat(context).getFailure().rootCause().hasMessage(BearerTokenValidation.BOTH_CONFIGURED));
    }

    @Test
    void aSecretShorterThan32BytesIsRefused() {
        gateway.withPropertyValues("bulk.gateway.security.hs256-secret=too-short")
                .run(context -> assertThat(context).getFailure().rootCause().hasMessageContaining("at least 32 bytes"));
    }

    @Test
    void withTheSecretItValidatesHs256Tokens() {
        gateway.withPropertyValues("bulk.gateway.security.hs256-secret=" + TestTokens.DEVELOPMENT_SECRET)
                .run(context -> {
                    JwtDecoder decoder = context.getBean(JwtDecoder.class);
                    String token = TestTokens.token(UUID.randomUUID(), "a@x.example", UUID.randomUUID(), "OWNER");
                    assertThat(decoder.decode(token).getClaimAsString("email")).isEqualTo("a@x.example");
                });
    }

    @Test
    void withAKeySetItUsesTheIdentityProvidersKeysAndStillRequiresExpiry() {
        gateway.withPropertyValues(
                        "spring.security.oauth2.resourceserver.jwt.jwk-set-uri=https://idp.example.test/jwks")
                .run(context -> {
                    assertThat(context).hasNotFailed().hasSingleBean(JwtDecoder.class);
                    assertThat(context.getBean("gatewayTokenClaims")).isNotNull();
                });
    }

    @Test
    void theConfigurationFileHasTheDevelopmentSecretOnlyInTheLocalProfile() {
        WebApplicationContextRunner configured = gateway.withPropertyValues(
                        "spring.config.name=" + GatewayApplication.CONFIG_NAME)
                .withInitializer(new ConfigDataApplicationContextInitializer());

        configured.run(context ->
                assertThat(context).getFailure().rootCause().hasMessage(BearerTokenValidation.NOT_CONFIGURED));
        configured.withPropertyValues("spring.profiles.active=local").run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context.getEnvironment().getProperty("bulk.gateway.security.hs256-secret"))
                    .isEqualTo(TestTokens.DEVELOPMENT_SECRET);
        });
    }

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties(GatewaySecurityProperties.class)
    @Import({SecurityConfiguration.class, BearerTokenValidation.class})
    static class GatewaySecurity {}
}
