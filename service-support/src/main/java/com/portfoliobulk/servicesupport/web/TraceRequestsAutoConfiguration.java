package com.portfoliobulk.servicesupport.web;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.web.HttpRequestMethodNotSupportedException;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.servlet.DispatcherServlet;
import org.springframework.web.servlet.HandlerExceptionResolver;
import org.springframework.web.servlet.HandlerExecutionChain;
import org.springframework.web.servlet.HandlerMapping;
import org.springframework.web.servlet.handler.HandlerMappingIntrospector;
import org.springframework.web.servlet.support.WebContentGenerator;
import org.springframework.web.util.ServletRequestPathUtils;

/**
 * Answers {@code TRACE} like any other method a resource does not support, in every service: 405 as
 * the service's own problem naming the method, with an {@code Allow} header of the methods Spring MVC
 * maps on that path. The servlet container would refuse it itself, with the servlet's methods in
 * {@code Allow} whatever the path; so it lets {@code TRACE} in, and {@link RefuseTrace} answers it
 * before any security filter and the servlet (whose own {@code TRACE} echoes the request) see it.
 */
@AutoConfiguration
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass({TomcatServletWebServerFactory.class, DispatcherServlet.class})
public final class TraceRequestsAutoConfiguration {

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

    /**
     * Answers every {@code TRACE} with Spring MVC's own 405 for the path, written by the service's
     * exception handling (its problem advice). Where that would only send the error, which the
     * container would forward to the error page as a {@code TRACE} the servlet echoes, the refusal is
     * written here instead, as a problem of the product's type for 405 ({@link ProblemJson}).
     */
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
            // Right after a filter at the highest precedence (the gateway's request ids), so that the
            // answer carries what it adds; before every security filter.
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
            ErrorHeld answer = new ErrorHeld(response);
            HandlerExceptionResolver resolver = problems.getIfAvailable();
            boolean resolved = resolver != null && resolver.resolveException(request, answer, null, refusal) != null;
            if ((!resolved || answer.held) && !response.isCommitted()) {
                write(refusal, request, response);
            }
        }

        /** Spring MVC's refusal of {@code TRACE} on this path, with the methods it maps there. */
        private HttpRequestMethodNotSupportedException refusal(HttpServletRequest request) {
            ServletRequestPathUtils.parseAndCache(request);
            HandlerMappingIntrospector introspector = handlerMappings.getIfAvailable();
            List<HandlerMapping> mappings = introspector == null ? null : introspector.getHandlerMappings();
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

        private static void write(
                HttpRequestMethodNotSupportedException refusal,
                HttpServletRequest request,
                HttpServletResponse response)
                throws IOException {
            response.resetBuffer();
            response.setStatus(HttpServletResponse.SC_METHOD_NOT_ALLOWED);
            String[] allowed = refusal.getSupportedMethods();
            if (allowed != null) {
                response.setHeader(HttpHeaders.ALLOW, String.join(", ", allowed));
            }
            response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
            response.setCharacterEncoding(StandardCharsets.UTF_8.name());
            String problem = ProblemJson.of(
                    HttpServletResponse.SC_METHOD_NOT_ALLOWED, refusal.getBody().getDetail(), request.getRequestURI());
            response.getOutputStream().write(problem.getBytes(StandardCharsets.UTF_8));
        }
    }

    /**
     * The response as the exception resolvers see it: an error they send is held (its status set, no
     * forward to the error page), for {@link RefuseTrace} to write as a problem.
     */
    private static final class ErrorHeld extends HttpServletResponseWrapper {

        private boolean held;

        ErrorHeld(HttpServletResponse response) {
            super(response);
        }

        @Override
        public void sendError(int status) {
            held = true;
            setStatus(status);
        }

        @Override
        public void sendError(int status, String message) {
            sendError(status);
        }
    }
}
