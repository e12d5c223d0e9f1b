package com.portfoliobulk.gateway.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.portfoliobulk.gateway.support.GatewayIntegrationTest;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.web.bind.annotation.RequestMethod;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.HandlerExecutionChain;
import org.springframework.web.servlet.mvc.method.RequestMappingInfo;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;
import org.springframework.web.util.ServletRequestPathUtils;

/**
 * The gateway's request mappings rule a mapping out by its path before reading the request for its
 * other conditions, and match exactly what Spring MVC's own order of conditions matches.
 */
class PathFirstRequestMappingsIntegrationTests extends GatewayIntegrationTest {

    @Autowired
    private RequestMappingHandlerMapping mappings;

    @Test
    void aJobStatusPollReadsTheRequestOnlyForTheMappingsOfItsPath() throws Exception {
        assertThat(mappings.getHandlerMethods()).hasSizeGreaterThan(50);
        CountingRequest poll = new CountingRequest(
                "GET", "/api/v1/portfolios/" + UUID.randomUUID() + "/bulk-jobs/" + UUID.randomUUID());
        poll.addHeader("Accept", MediaType.APPLICATION_JSON_VALUE);
        ServletRequestPathUtils.parseAndCache(poll);

        HandlerExecutionChain chain = mappings.getHandler(poll);

        assertThat(chain).isNotNull();
        assertThat(((HandlerMethod) chain.getHandler()).getMethod().getName()).isEqualTo("job");
        // Spring MVC's order reads the request's method three times for every mapping of the gateway
        // (about 300 reads); path first, only for the few mappings of the poll's path.
        assertThat(poll.methodReads.get()).isLessThan(20);
    }

    @Test
    void everyMappingMatchesWhatSpringMvcsOrderOfConditionsMatches() {
        PathFirstRequestMappings.PathFirstMapping pathFirst = (PathFirstRequestMappings.PathFirstMapping) mappings;
        Set<RequestMappingInfo> infos = mappings.getHandlerMethods().keySet();
        List<MockHttpServletRequest> requests = new ArrayList<>();
        for (RequestMappingInfo info : infos) {
            requests.addAll(requestsFor(info));
        }
        int matches = 0;
        for (MockHttpServletRequest request : requests) {
            for (RequestMappingInfo info : infos) {
                RequestMappingInfo expected = info.getMatchingCondition(request);
                RequestMappingInfo actual = pathFirst.getMatchingMapping(info, request);
                assertThat(actual)
                        .as("%s %s against %s", request.getMethod(), request.getRequestURI(), info)
                        .isEqualTo(expected);
                if (expected != null) {
                    matches++;
                }
            }
        }
        // Each request matches at least the mapping it was made from.
        assertThat(matches).isGreaterThanOrEqualTo(requests.size());
    }

    /** A request to the mapping's first path, for each of its methods, as it declares it accepts. */
    private static List<MockHttpServletRequest> requestsFor(RequestMappingInfo info) {
        String path = info.getPathPatternsCondition()
                .getFirstPattern()
                .getPatternString()
                .replaceAll("\\{\\*?[^}]+}", UUID.randomUUID().toString())
                .replace("/**", "/any/thing")
                .replace("*", "any");
        Set<RequestMethod> methods = info.getMethodsCondition().getMethods();
        List<MockHttpServletRequest> requests = new ArrayList<>();
        for (RequestMethod method : methods.isEmpty() ? Set.of(RequestMethod.GET) : methods) {
            MockHttpServletRequest request = new MockHttpServletRequest(method.name(), path);
            info.getProducesCondition().getProducibleMediaTypes().stream()
                    .findFirst()
                    .ifPresent(type -> request.addHeader("Accept", type.toString()));
            info.getConsumesCondition().getConsumableMediaTypes().stream()
                    .findFirst()
                    .ifPresent(type -> request.setContentType(type.toString()));
            if (HttpMethod.valueOf(method.name()) == HttpMethod.POST && request.getContentType() == null) {
                request.setContentType(MediaType.APPLICATION_JSON_VALUE);
            }
            info.getParamsCondition().getExpressions().stream()
                    .filter(expression -> !expression.isNegated() && expression.getValue() != null)
                    .forEach(expression -> request.addParameter(expression.getName(), expression.getValue()));
            ServletRequestPathUtils.parseAndCache(request);
            requests.add(request);
        }
        return requests;
    }

    /** Counts how often the request's method is read. */
    private static final class CountingRequest extends MockHttpServletRequest {

        final AtomicInteger methodReads = new AtomicInteger();

        CountingRequest(String method, String uri) {
            super(method, uri);
        }

        @Override
        public String getMethod() {
            methodReads.incrementAndGet();
            return super.getMethod();
        }
    }
}
