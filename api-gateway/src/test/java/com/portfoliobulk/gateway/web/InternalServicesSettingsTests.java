package com.portfoliobulk.gateway.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.servicesupport.settings.InvalidSettingException;
import com.portfoliobulk.testsupport.TestTokens;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.boot.convert.ApplicationConversionService;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.support.GenericApplicationContext;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.MutablePropertySources;
import org.springframework.core.io.ClassPathResource;
import tools.jackson.databind.json.JsonMapper;

/**
 * The secrets of the gateway's calls to the internal services, and where it makes them, which it
 * checks as it starts.
 */
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

    /**
     * The gateway's own secret too short: the start stops on the setting, which its failure report
     * names with what to set, not on the bean that read it.
     */
    @Test
    void aShortGatewaySecretStopsTheStartOnTheSetting() {
        new ApplicationContextRunner()
                .withUserConfiguration(DerivedKeys.class)
                .withPropertyValues("bulk.internal-auth.token-secret=too-short")
                .run(context -> assertThat(context)
                        .getFailure()
                        .rootCause()
                        .isInstanceOfSatisfying(InvalidSettingException.class, refused -> {
                            assertThat(refused.setting()).isEqualTo("BULK_INTERNAL_TOKEN_SECRET");
                            assertThat(refused.getMessage())
                                    .startsWith("BULK_INTERNAL_TOKEN_SECRET (bulk.internal-auth.token-secret) must be"
                                            + " at least 32 bytes long");
                            assertThat(refused.action()).contains("openssl rand -base64 48");
                        }));
    }

    /**
     * A service URL without its scheme, as an operator may write it: before, the gateway started and
     * reported ready, and every invitation acceptance, SCIM user creation, link or unlink and activity
     * log read answered 500 (the client refuses a URL whose scheme is the host's name). Now the
     * gateway does not start, naming the variable and a good value.
     */
    @ParameterizedTest
    @CsvSource({
        "BULK_WORKER_URL, bulk.gateway.worker-base-url, bulk-worker:8081, http://bulk-worker:8081",
        "BULK_WORKER_URL, bulk.gateway.worker-base-url, //bulk-worker:8081, http://bulk-worker:8081",
        "BULK_WORKER_URL, bulk.gateway.worker-base-url, ftp://bulk-worker:8081, http://bulk-worker:8081",
        "BULK_AUDIT_URL, bulk.gateway.audit-base-url, audit-consumer:8082, http://audit-consumer:8082",
        "BULK_AUDIT_URL, bulk.gateway.audit-base-url, http:audit-consumer, http://audit-consumer:8082"
    })
    void aServiceUrlThatIsNotAnAbsoluteHttpUrlStopsTheStartNamingTheVariable(
            String variable, String property, String value, String example) {
        callers(variable, value)
                .run(context -> assertThat(context)
                        .hasFailed()
                        .getFailure()
                        .rootCause()
                        .hasMessage(variable + " (" + property
                                + ") must be an absolute http:// or https:// URL with a host," + " such as " + example
                                + "; not '" + value + "'"));
    }

    /** The defaults, and the values docker-compose sets, start every caller of the internal services. */
    @ParameterizedTest
    @ValueSource(strings = {"http://localhost:8081", "http://bulk-worker:8081", "https://worker.internal.example/"})
    void anAbsoluteHttpUrlStartsEveryCaller(String workerUrl) {
        callers("BULK_WORKER_URL", workerUrl).run(context -> {
            assertThat(context).hasNotFailed();
            for (String caller : CALLERS) {
                assertThat(context).hasBean(caller);
            }
        });
    }

    /**
     * The gateway's callers of the internal services (invitation acceptance, SCIM user creation, account
     * links, the activity log), as the gateway starts them: its {@code api-gateway.yml} and one
     * environment variable set.
     */
    private ApplicationContextRunner callers(String variable, String value) {
        ApplicationContextRunner runner = gateway.withInitializer(context -> {
                    MutablePropertySources sources = context.getEnvironment().getPropertySources();
                    try {
                        sources.addLast(new YamlPropertySourceLoader()
                                .load("api-gateway.yml", new ClassPathResource("api-gateway.yml"))
                                .getFirst());
                    } catch (IOException ex) {
                        throw new UncheckedIOException(ex);
                    }
                    sources.addFirst(new MapPropertySource("environment", Map.of(variable, value)));
                    context.getBeanFactory().setConversionService(ApplicationConversionService.getSharedInstance());
                })
                .withUserConfiguration(GatewaySettings.class)
                .withBean(JsonMapper.class, () -> JsonMapper.builder().build());
        for (String caller : CALLERS) {
            runner = runner.withInitializer(context -> {
                try {
                    ((GenericApplicationContext) context)
                            .registerBean(caller, Class.forName("com.portfoliobulk.gateway." + caller));
                } catch (ClassNotFoundException ex) {
                    throw new IllegalStateException(ex);
                }
            });
        }
        return runner;
    }

    private static final List<String> CALLERS = List.of(
            "invitations.WorkerInvitations", "scim.WorkerUsers", "portfolio.WorkerLinks", "activity.AuditLogClient");

    /** The settings of the callers' packages, bound as the gateway binds them. */
    @Configuration(proxyBeanMethods = false)
    @ConfigurationPropertiesScan({
        "com.portfoliobulk.gateway.web",
        "com.portfoliobulk.gateway.invitations",
        "com.portfoliobulk.gateway.activity"
    })
    static class GatewaySettings {}
}
