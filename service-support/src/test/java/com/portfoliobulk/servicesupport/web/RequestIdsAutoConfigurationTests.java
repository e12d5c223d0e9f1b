package com.portfoliobulk.servicesupport.web;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.mock.web.MockFilterChain;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

class RequestIdsAutoConfigurationTests {

    private final WebApplicationContextRunner service = new WebApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(RequestIdsAutoConfiguration.class));

    @Test
    void aServiceThatGivesNoIdsItselfTakesTheForwardedOne() {
        service.run(
                context -> assertThat(context).hasSingleBean(RequestIdsAutoConfiguration.ForwardedRequestIds.class));
    }

    @Test
    void aServiceThatGivesIdsItselfKeepsItsOwnFilterAlone() {
        // As the api-gateway, whose RequestIds gives every request its id.
        service.withUserConfiguration(OwnRequestIds.class)
                .run(context ->
                        assertThat(context).doesNotHaveBean(RequestIdsAutoConfiguration.ForwardedRequestIds.class));
    }

    /** A usable id is in the logging context while the call is answered, and gone after; any other is left out. */
    @Test
    void aUsableIdIsLoggedWhileTheCallIsAnsweredAndNoOtherIs() throws Exception {
        List<String> logged = new ArrayList<>();
        for (String sent : new String[] {"gw-1:a.b_c", "two words", "x".repeat(129), null}) {
            MockHttpServletRequest request = new MockHttpServletRequest("GET", "/internal/dead-letters");
            if (sent != null) {
                request.addHeader(RequestIdHeader.NAME, sent);
            }
            new RequestIdsAutoConfiguration.ForwardedRequestIds()
                    .doFilter(request, new MockHttpServletResponse(), new MockFilterChain() {
                        @Override
                        public void doFilter(ServletRequest req, ServletResponse res) {
                            logged.add(MDC.get(RequestIdHeader.LOG_KEY));
                        }
                    });
            assertThat(MDC.get(RequestIdHeader.LOG_KEY)).isNull();
        }

        assertThat(logged).containsExactly("gw-1:a.b_c", null, null, null);
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnRequestIds {

        @Bean
        RequestIdOrigin requestIds() {
            return new RequestIdOrigin() {};
        }
    }
}
