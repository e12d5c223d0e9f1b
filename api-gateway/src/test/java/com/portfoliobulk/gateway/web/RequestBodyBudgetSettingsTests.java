package com.portfoliobulk.gateway.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.util.unit.DataSize;
import tools.jackson.databind.json.JsonMapper;

/**
 * One caller's share of the request bodies' budget ({@code
 * bulk.gateway.web.max-body-bytes-in-flight-per-caller}) is half of the budget unless set, and from 1
 * byte to the whole budget: any other stops the gateway from starting, naming the setting. A SCIM body,
 * read as a whole JSON tree, counts three times its size in it.
 */
class RequestBodyBudgetSettingsTests {

    private final ApplicationContextRunner gateway = new ApplicationContextRunner().withUserConfiguration(Budget.class);

    @Test
    void oneCallersShareIsHalfOfTheBudgetUnlessSet() {
        gateway.run(context -> assertThat(context.getBean(WebProperties.class).maxBodyBytesInFlightPerCaller())
                .isEqualTo(DataSize.ofMegabytes(10)));
        gateway.withPropertyValues("bulk.gateway.web.max-body-bytes-in-flight=8MB")
                .run(context -> assertThat(context.getBean(WebProperties.class).maxBodyBytesInFlightPerCaller())
                        .isEqualTo(DataSize.ofMegabytes(4)));
        gateway.withPropertyValues(
                        "bulk.gateway.web.max-body-bytes-in-flight=8MB",
                        "bulk.gateway.web.max-body-bytes-in-flight-per-caller=8MB")
                .run(context -> assertThat(context).hasNotFailed());
        gateway.withPropertyValues("bulk.gateway.web.max-body-bytes-in-flight-per-caller=1B")
                .run(context -> assertThat(context).hasNotFailed());
    }

    @Test
    void aShareOfNothingOrOfMoreThanTheBudgetIsRefused() {
        for (String share : new String[] {"0B", "-1MB", "21MB"}) {
            gateway.withPropertyValues("bulk.gateway.web.max-body-bytes-in-flight-per-caller=" + share)
                    .run(context -> assertThat(context)
                            .hasFailed()
                            .getFailure()
                            .rootCause()
                            .hasMessageContaining("bulk.gateway.web.max-body-bytes-in-flight-per-caller is ")
                            .hasMessageContaining("it must be from 1 byte to bulk.gateway.web.max-body-bytes-in-flight"
                                    + " (20971520 bytes)"));
        }
    }

    /**
     * A SCIM body counts three times its size in its caller's share, as its tree takes about twice the
     * heap for its size that the budget assumes of a body: 53 SCIM bodies of 64 KiB being read (each
     * 192 KiB) hold one SCIM token's share (10 MB), and its next one, a SCIM error 503, waits for one of
     * them to end, while another token's is read. The SCIM endpoints' rate limit (600 a minute) lets one
     * token have 53 at once, not 160, the bodies of 64 KiB another endpoint's share holds.
     */
    @Test
    void aScimBodyCountsThreeTimesItsSizeInItsCallersShare() {
        gateway.run(context -> {
            RequestBodyBudget budget = context.getBean(RequestBodyBudget.class);
            long largest = context.getBean(WebProperties.class).maxRequestBody().toBytes();
            List<MockHttpServletRequest> held = new ArrayList<>();
            for (int i = 0; i < 53; i++) {
                MockHttpServletRequest search = scimSearch();
                MockHttpServletResponse answer = new MockHttpServletResponse();
                budget.hold(search, answer, "scim-token", largest, false, (request, response) -> request.startAsync());
                assertThat(answer.getStatus()).as("body %d", i).isEqualTo(200);
                held.add(search);
            }

            MockHttpServletResponse busy = new MockHttpServletResponse();
            budget.hold(scimSearch(), busy, "scim-token", largest, false, (request, response) -> {});
            MockHttpServletResponse other = new MockHttpServletResponse();
            budget.hold(scimSearch(), other, "other-scim-token", largest, false, (request, response) -> {});

            assertThat(busy.getStatus()).isEqualTo(503);
            assertThat(busy.getHeader("Retry-After")).isEqualTo("2");
            assertThat(busy.getErrorMessage()).contains("bulk.gateway.web.max-body-bytes-in-flight-per-caller");
            assertThat(other.getStatus()).isEqualTo(200);

            held.removeFirst().getAsyncContext().complete();
            MockHttpServletResponse again = new MockHttpServletResponse();
            budget.hold(scimSearch(), again, "scim-token", largest, false, (request, response) -> {});
            assertThat(again.getStatus()).isEqualTo(200);
            held.forEach(request -> request.getAsyncContext().complete());
            assertThat(budget.counts("scim-token")).isFalse();
        });
    }

    /** A SCIM search of 64 KiB, as the SCIM endpoints read it, in a request that may go on asynchronously. */
    private static MockHttpServletRequest scimSearch() {
        MockHttpServletRequest request =
                new MockHttpServletRequest("POST", "/scim/v2/portfolios/" + UUID.randomUUID() + "/Users/.search");
        request.setContent(new byte[(int) RequestBodyBudget.SMALL_BODY]);
        request.setAsyncSupported(true);
        return request;
    }

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties(WebProperties.class)
    @Import({RequestBodyBudget.class, FilterRefusals.class})
    static class Budget {

        @Bean
        JsonMapper json() {
            return JsonMapper.builder().build();
        }

        @Bean
        MeterRegistry meters() {
            return new SimpleMeterRegistry();
        }
    }
}
