package com.portfoliobulk.gateway.web;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.http.HttpMethod;
import org.springframework.web.HttpRequestMethodNotSupportedException;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.servlet.HandlerExceptionResolver;
import org.springframework.web.servlet.HandlerExecutionChain;
import org.springframework.web.servlet.HandlerMapping;
import org.springframework.web.servlet.handler.HandlerMappingIntrospector;
import org.springframework.web.servlet.support.WebContentGenerator;
import org.springframework.web.util.ServletRequestPathUtils;

/**
 * Answers {@code TRACE} like any other method a resource does not support: 405 as the API's problem
 * naming the method, with an {@code Allow} header of the methods Spring MVC maps on that path. The
 * servlet container would refuse it itself, with the servlet's methods in {@code Allow} whatever the
 * path; so it lets {@code TRACE} in, and this filter answers it before the security filters and the
 * servlet (whose own {@code TRACE} echoes the request) ever see it.
 */
@Configuration(proxyBeanMethods = false)
class TraceRequests {

    @Bean
    WebServerFactoryCustomizer<TomcatServletWebServerFactory> traceReachesTheApplication() {
        return factory -> factory.addConnectorCustomizers(connector -> connector.setAllowTrace(true));
    }

    @Bean
    RefuseTrace refuseTrace(
            ObjectProvider<HandlerMappingIntrospector> handlerMappings,
            @Qualifier("handlerExceptionResolver") ObjectProvider<HandlerExceptionResolver> problems) {
        return new RefuseTrace(handlerMappings, problems);
    }

    /** Answers every {@code TRACE} with Spring MVC's own 405 for the path, written by {@link ProblemAdvice}. */
    static final class RefuseTrace extends OncePerRequestFilter implements Ordered {

        /** What a handler that takes any method (the error page) allows. */
        private static final List<String> ANY_METHOD =
                List.of("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT");

        private final ObjectProvider<HandlerMappingIntrospector> handlerMappings;

        private final ObjectProvider<HandlerExceptionResolver> problems;

        RefuseTrace(
                ObjectProvider<HandlerMappingIntrospector> handlerMappings,
                ObjectProvider<HandlerExceptionResolver> problems) {
            this.handlerMappings = handlerMappings;
            this.problems = problems;
        }

        @Override
        public int getOrder() {
            // Right after RequestIds, so that the answer carries the request's id.
            return Ordered.HIGHEST_PRECEDENCE + 1;
        }

        @Override
        protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
                throws ServletException, IOException {
            if (!HttpMethod.TRACE.matches(request.getMethod())) {
                chain.doFilter(request, response);
                return;
            }
            HttpRequestMethodNotSupportedException refusal = refusal(request);
            if (problems.getObject().resolveException(request, response, null, refusal) == null) {
                response.sendError(HttpServletResponse.SC_METHOD_NOT_ALLOWED);
            }
        }

        /** Spring MVC's refusal of {@code TRACE} on this path, with the methods it maps there. */
        private HttpRequestMethodNotSupportedException refusal(HttpServletRequest request) {
            ServletRequestPathUtils.parseAndCache(request);
            List<HandlerMapping> mappings = handlerMappings.getObject().getHandlerMappings();
            for (HandlerMapping mapping : mappings == null ? List.<HandlerMapping>of() : mappings) {
                HandlerExecutionChain handler;
                try {
                    handler = mapping.getHandler(request);
                } catch (HttpRequestMethodNotSupportedException refused) {
                    return refused;
                } catch (Exception notThisMapping) {
                    continue;
                }
                if (handler != null) {
                    return new HttpRequestMethodNotSupportedException(request.getMethod(), allowed(handler));
                }
            }
            return new HttpRequestMethodNotSupportedException(request.getMethod(), ANY_METHOD);
        }

        private static List<String> allowed(HandlerExecutionChain handler) {
            String[] methods = handler.getHandler() instanceof WebContentGenerator generator
                    ? generator.getSupportedMethods()
                    : null;
            return methods == null
                    ? ANY_METHOD
                    : Arrays.stream(methods)
                            .filter(method -> !HttpMethod.TRACE.matches(method))
                            .sorted()
                            .toList();
        }
    }
}
