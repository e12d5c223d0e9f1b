package com.portfoliobulk.gateway.web;

import jakarta.servlet.http.HttpServletRequest;
import org.springframework.boot.webmvc.autoconfigure.WebMvcRegistrations;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.mvc.condition.PathPatternsRequestCondition;
import org.springframework.web.servlet.mvc.method.RequestMappingInfo;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;

/**
 * Spring MVC's request mappings, each tried against a request's path before its other conditions.
 *
 * <p>A request whose path holds a variable (a job's status: {@code /portfolios/{id}/bulk-jobs/{id}})
 * is tried against every mapping of the gateway, some ninety. Spring MVC checks a mapping's method,
 * parameters, headers, content type and {@code Accept} before its path, and each of these reads the
 * request through its wrappers and allocates the conditions it matched: a fifth of a status poll's
 * CPU and an eighth of what it allocated went there, for mappings whose path could never match. The
 * path is checked first here, without allocating for a mapping it rules out; the mappings left are
 * matched as before. All conditions must hold for a mapping to match, so the order changes nothing
 * but the cost, and a request that matches no mapping is answered as before (404, 405, 406 or 415:
 * Spring MVC works that out from all the mappings, not from those tried).
 */
@Configuration(proxyBeanMethods = false)
class PathFirstRequestMappings {

    @Bean
    WebMvcRegistrations pathFirstRequestMappingRegistrations() {
        return new WebMvcRegistrations() {
            @Override
            public RequestMappingHandlerMapping getRequestMappingHandlerMapping() {
                return new PathFirstMapping();
            }
        };
    }

    /** Rules out a mapping by its path patterns before trying its other conditions. */
    static final class PathFirstMapping extends RequestMappingHandlerMapping {

        @Override
        protected RequestMappingInfo getMatchingMapping(RequestMappingInfo info, HttpServletRequest request) {
            PathPatternsRequestCondition paths = info.getPathPatternsCondition();
            if (paths != null && paths.getMatchingCondition(request) == null) {
                return null;
            }
            return super.getMatchingMapping(info, request);
        }
    }
}
