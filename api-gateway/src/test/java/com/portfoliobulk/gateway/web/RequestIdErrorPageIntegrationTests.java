package com.portfoliobulk.gateway.web;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.spi.ILoggingEvent;
import com.portfoliobulk.gateway.support.GatewayCalls.Answer;
import com.portfoliobulk.gateway.support.GatewayIntegrationTest;
import com.portfoliobulk.testsupport.LogLines;
import jakarta.servlet.FilterChain;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.core.Ordered;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * A request the container answers with its error page (here: a filter that logs a line and then fails)
 * keeps its one request id: the answer's {@code X-Request-Id}, the problem's {@code requestId} and
 * every log line of the request, before the error page and on it, carry the same id. A gateway of its
 * own, with the failing filter in front of one path.
 */
class RequestIdErrorPageIntegrationTests extends GatewayIntegrationTest {

    private static final String FAILING_PATH = "/api/v1/failing-filter";

    private static final Logger log = LoggerFactory.getLogger(RequestIdErrorPageIntegrationTests.class);

    @TestConfiguration(proxyBeanMethods = false)
    static class FailingFilter {

        @Bean
        FilterRegistrationBean<OncePerRequestFilter> failingFilter() {
            FilterRegistrationBean<OncePerRequestFilter> registration =
                    new FilterRegistrationBean<>(new OncePerRequestFilter() {
                        @Override
                        protected void doFilterInternal(
                                HttpServletRequest request, HttpServletResponse response, FilterChain chain) {
                            log.info("Failing the request on purpose");
                            throw new IllegalStateException("a filter failed");
                        }
                    });
            registration.addUrlPatterns(FAILING_PATH);
            registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 10);
            return registration;
        }
    }

    @Test
    void aRequestAnsweredByTheErrorPageKeepsTheIdItsLogLinesCarry() {
        Answer answer;
        List<ILoggingEvent> filterLines;
        List<ILoggingEvent> errorPageLines;
        try (LogLines filter = LogLines.of(RequestIdErrorPageIntegrationTests.class.getName());
                LogLines errorPage = LogLines.of(InternalErrors.class.getName())) {
            answer = api.get(null, FAILING_PATH);
            filterLines = filter.lines();
            errorPageLines = errorPage.lines();
        }

        assertProblem(answer, 500);
        String id = answer.header(RequestIds.HEADER);
        assertThat(UUID.fromString(id)).isNotNull();
        assertThat(answer.body().path(RequestIds.KEY).asString()).isEqualTo(id);
        assertThat(filterLines)
                .singleElement()
                .satisfies(line -> assertThat(line.getMDCPropertyMap()).containsEntry(RequestIds.KEY, id));
        assertThat(errorPageLines)
                .singleElement()
                .satisfies(line -> assertThat(line.getMDCPropertyMap()).containsEntry(RequestIds.KEY, id));
    }
}
