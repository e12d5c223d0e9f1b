package com.portfoliobulk.gateway.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
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
     * 192 KiB) hold the share of one portfolio's SCIM tokens (10 MB), and its next one, a SCIM error 503,
     * waits for one of them to end, while another portfolio's is read. The SCIM endpoints' rate limit (600
     * a minute) lets one portfolio have 53 at once, not 160, the bodies of 64 KiB another endpoint's share
     * holds.
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
                budget.hold(
                        search,
                        answer,
                        "scim:first-portfolio",
                        largest,
                        false,
                        (request, response) -> request.startAsync());
                assertThat(answer.getStatus()).as("body %d", i).isEqualTo(200);
                held.add(search);
            }

            MockHttpServletResponse busy = new MockHttpServletResponse();
            budget.hold(scimSearch(), busy, "scim:first-portfolio", largest, false, (request, response) -> {});
            MockHttpServletResponse other = new MockHttpServletResponse();
            budget.hold(scimSearch(), other, "scim:other-portfolio", largest, false, (request, response) -> {});

            assertThat(busy.getStatus()).isEqualTo(503);
            assertThat(busy.getHeader("Retry-After")).isEqualTo("2");
            assertThat(busy.getErrorMessage()).contains("bulk.gateway.web.max-body-bytes-in-flight-per-caller");
            assertThat(other.getStatus()).isEqualTo(200);

            held.removeFirst().getAsyncContext().complete();
            MockHttpServletResponse again = new MockHttpServletResponse();
            budget.hold(scimSearch(), again, "scim:first-portfolio", largest, false, (request, response) -> {});
            assertThat(again.getStatus()).isEqualTo(200);
            held.forEach(request -> request.getAsyncContext().complete());
            assertThat(budget.counts("scim:first-portfolio")).isFalse();
        });
    }

    /**
     * A large body that has its part of {@code max-body-bytes-in-flight} but waits for the budget of all
     * bodies, which small bodies hold nearly all of, does not hold up a small body that fits in what is
     * left: the small one is read while the large one still waits. Before, the large one queued first,
     * and every small body of every caller waited behind it, up to its 2 s, then was answered 503.
     */
    @Test
    void aLargeBodyWaitingForTheBudgetOfAllBodiesDoesNotHoldUpASmallOneThatFits() throws Exception {
        gateway.run(context -> {
            RequestBodyBudget budget = context.getBean(RequestBodyBudget.class);
            long largest = context.getBean(WebProperties.class).maxRequestBody().toBytes();
            List<MockHttpServletRequest> held = new ArrayList<>();
            // Two callers' shares of small bodies (10 MB each) and one more: 64 KiB short of the 5 MB left.
            for (String caller : List.of("first", "second")) {
                for (int i = 0; i < 160; i++) {
                    held.add(heldSmallBody(budget, caller, largest));
                }
            }
            held.add(heldSmallBody(budget, "third", largest));

            MockHttpServletResponse largeAnswer = new MockHttpServletResponse();
            Thread large = Thread.ofPlatform().start(() -> {
                MockHttpServletRequest submission =
                        new MockHttpServletRequest("POST", "/api/v1/portfolios/" + UUID.randomUUID() + "/bulk-jobs");
                submission.setContent(new byte[(int) largest]);
                try {
                    budget.hold(submission, largeAnswer, "large", largest, false, (request, response) -> {});
                } catch (Exception ex) {
                    throw new IllegalStateException(ex);
                }
            });
            await().atMost(Duration.ofSeconds(10)).until(() -> large.getState() == Thread.State.TIMED_WAITING);

            MockHttpServletResponse smallAnswer = new MockHttpServletResponse();
            budget.hold(smallBody(), smallAnswer, "fourth", largest, false, (request, response) -> {});

            assertThat(large.getState()).as("the large body still waits").isEqualTo(Thread.State.TIMED_WAITING);
            assertThat(smallAnswer.getStatus()).isEqualTo(200);
            large.join();
            assertThat(largeAnswer.getStatus()).isEqualTo(503);
            held.forEach(request -> request.getAsyncContext().complete());
        });
    }

    private static MockHttpServletRequest heldSmallBody(RequestBodyBudget budget, String caller, long largest)
            throws Exception {
        MockHttpServletRequest request = smallBody();
        MockHttpServletResponse answer = new MockHttpServletResponse();
        budget.hold(request, answer, caller, largest, false, (held, response) -> held.startAsync());
        assertThat(answer.getStatus()).as("%s's small body", caller).isEqualTo(200);
        return request;
    }

    /** A body of 64 KiB to an endpoint of the API, in a request that may go on asynchronously. */
    private static MockHttpServletRequest smallBody() {
        MockHttpServletRequest request =
                new MockHttpServletRequest("POST", "/api/v1/portfolios/" + UUID.randomUUID() + "/portfolio-roles");
        request.setContent(new byte[(int) RequestBodyBudget.SMALL_BODY]);
        request.setAsyncSupported(true);
        return request;
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
