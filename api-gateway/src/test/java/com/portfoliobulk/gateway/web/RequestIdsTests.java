package com.portfoliobulk.gateway.web;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;
import org.springframework.mock.web.MockFilterChain;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

class RequestIdsTests {

    @Test
    void theIdIsInTheLoggingContextWhileTheRequestRunsAndGoneAfter() throws Exception {
        MockHttpServletRequest request = new MockHttpServletRequest("GET", "/api/v1/x");
        request.addHeader(RequestIds.HEADER, "req-1");
        MockHttpServletResponse response = new MockHttpServletResponse();
        AtomicReference<String> logged = new AtomicReference<>();

        new RequestIds().doFilter(request, response, new MockFilterChain() {
            @Override
            public void doFilter(ServletRequest req, ServletResponse res) {
                logged.set(MDC.get(RequestIds.KEY));
            }
        });

        assertThat(logged).hasValue("req-1");
        assertThat(response.getHeader(RequestIds.HEADER)).isEqualTo("req-1");
        assertThat(RequestIds.of(request)).isEqualTo("req-1");
        assertThat(MDC.get(RequestIds.KEY)).isNull();
    }
}
