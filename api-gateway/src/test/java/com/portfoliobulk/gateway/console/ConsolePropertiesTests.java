package com.portfoliobulk.gateway.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.convert.ApplicationConversionService;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;

/**
 * The console's page size and account choices are the {@code limit} of its calls to the API, which
 * answers 1 to 500 items a page. A setting outside that range would have every list page refused by
 * the gateway's own API, so the gateway does not start, naming the setting and the range.
 */
class ConsolePropertiesTests {

    private final ApplicationContextRunner gateway =
            new ApplicationContextRunner().withUserConfiguration(Console.class);

    @Test
    void pageSizesFromOneToTheApisLargestPageAreKept() {
        gateway.run(context -> {
            ConsoleProperties properties = context.getBean(ConsoleProperties.class);
            assertThat(properties.pageSize()).isEqualTo(50);
            assertThat(properties.accountChoices()).isEqualTo(100);
        });
        gateway.withPropertyValues("bulk.gateway.console.page-size=500", "bulk.gateway.console.account-choices=1")
                .run(context -> {
                    ConsoleProperties properties = context.getBean(ConsoleProperties.class);
                    assertThat(properties.pageSize()).isEqualTo(500);
                    assertThat(properties.accountChoices()).isEqualTo(1);
                });
    }

    /**
     * An API base URL without its scheme bound, and every console page then failed with a 500; now the
     * gateway does not start, naming the setting and a good value. Empty stays this gateway.
     */
    @Test
    void anApiBaseUrlThatIsNotAnAbsoluteHttpUrlStopsTheStart() {
        for (String value : new String[] {"gateway:8080", "//bulk.example.com", "/api"}) {
            gateway.withPropertyValues("bulk.gateway.console.api-base-url=" + value)
                    .run(context -> assertThat(context)
                            .hasFailed()
                            .getFailure()
                            .rootCause()
                            .hasMessage("bulk.gateway.console.api-base-url must be an absolute http:// or https://"
                                    + " URL with a host, such as https://bulk.example.com (or empty: this gateway);"
                                    + " not '" + value + "'"));
        }
        for (String value : new String[] {"", "https://bulk.example.com", "http://127.0.0.1:8080"}) {
            gateway.withPropertyValues("bulk.gateway.console.api-base-url=" + value)
                    .run(context -> assertThat(context).hasNotFailed().hasSingleBean(ConsoleProperties.class));
        }
    }

    @Test
    void aPageSizeOrAccountChoicesTheApiWouldRefuseStopsTheStart() {
        gateway.withPropertyValues("bulk.gateway.console.page-size=1000")
                .run(context -> assertThat(context)
                        .hasFailed()
                        .getFailure()
                        .rootCause()
                        .hasMessageContaining("bulk.gateway.console.page-size is 1000; it must be from 1 to 500"));
        gateway.withPropertyValues("bulk.gateway.console.page-size=0")
                .run(context -> assertThat(context)
                        .hasFailed()
                        .getFailure()
                        .rootCause()
                        .hasMessageContaining("bulk.gateway.console.page-size is 0; it must be from 1 to 500"));
        gateway.withPropertyValues("bulk.gateway.console.account-choices=501")
                .run(context -> assertThat(context)
                        .hasFailed()
                        .getFailure()
                        .rootCause()
                        .hasMessageContaining("bulk.gateway.console.account-choices is 501; it must be from 1 to 500"));
    }

    /**
     * The calls to the identity provider at the end of a sign-in wait 5 s to connect and 10 s for an
     * answer unless set otherwise; a limit of 0 (none: waiting for ever) stops the start, naming it.
     */
    @Test
    void theIdentityProvidersTimeoutsAreKeptAndNoneStopsTheStart() {
        gateway.run(context -> {
            ConsoleProperties properties = context.getBean(ConsoleProperties.class);
            assertThat(properties.identityProviderConnectTimeout()).isEqualTo(Duration.ofSeconds(5));
            assertThat(properties.identityProviderReadTimeout()).isEqualTo(Duration.ofSeconds(10));
        });
        gateway.withPropertyValues("bulk.gateway.console.identity-provider-read-timeout=0")
                .run(context -> assertThat(context)
                        .hasFailed()
                        .getFailure()
                        .rootCause()
                        .hasMessageContaining("bulk.gateway.console.identity-provider-read-timeout is PT0S;"
                                + " it must be from 1 ms to 2147483647 ms"));
    }

    /**
     * Before, a session timeout of 0 (or under a second) started the gateway and every signed-in
     * session ended at its next request; a negative one never ended. Now either stops the start,
     * naming the setting; a second is kept.
     */
    @Test
    void aSessionTimeoutOutsideOneSecondToIntegerMaxValueSecondsStopsTheStart() {
        gateway.run(
                context -> assertThat(context.getBean(ConsoleProperties.class).sessionTimeout())
                        .isEqualTo(Duration.ofHours(8)));
        gateway.withPropertyValues("bulk.gateway.console.session-timeout=1s")
                .run(context -> assertThat(
                                context.getBean(ConsoleProperties.class).sessionTimeout())
                        .isEqualTo(Duration.ofSeconds(1)));
        Map.of("0", "PT0S", "500ms", "PT0.5S", "-1s", "PT-1S", "2147483648s", "PT596523H14M8S")
                .forEach((timeout, shown) -> gateway.withPropertyValues(
                                "bulk.gateway.console.session-timeout=" + timeout)
                        .run(context -> assertThat(context)
                                .hasFailed()
                                .getFailure()
                                .rootCause()
                                .hasMessage("bulk.gateway.console.session-timeout is " + shown
                                        + "; it must be from 1 s to 2147483647 s (about 68 years; 8h by default)")));
    }

    /**
     * The most parameters the gateway reads of a request ({@code server.tomcat.max-parameter-count})
     * must take the largest form these settings let the console show (with both at 500, an invitation
     * to correct with a role on each of 1,000 accounts), or the gateway does not start, naming both:
     * the form would be refused.
     */
    @Test
    void aParameterLimitBelowTheLargestConsoleFormStopsTheStart() {
        ApplicationContextRunner pages = gateway.withInitializer(context ->
                        context.getBeanFactory().setConversionService(ApplicationConversionService.getSharedInstance()))
                .withBean(ConsoleErrorPages.class);
        String[] largest = {"bulk.gateway.console.page-size=500", "bulk.gateway.console.account-choices=500"};

        pages.run(context -> assertThat(context).hasNotFailed());
        pages.withPropertyValues(largest)
                .withPropertyValues("server.tomcat.max-parameter-count=2500")
                .run(context -> assertThat(context).hasNotFailed());
        pages.withPropertyValues(largest)
                .withPropertyValues("server.tomcat.max-parameter-count=1000")
                .run(context -> assertThat(context)
                        .hasFailed()
                        .getFailure()
                        .rootCause()
                        .hasMessageContaining("server.tomcat.max-parameter-count is 1000; the console's largest form"
                                + " has up to 2016 fields with bulk.gateway.console.page-size 500 and"
                                + " .account-choices 500, so it must be at least that"));
    }

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties(ConsoleProperties.class)
    static class Console {}
}
