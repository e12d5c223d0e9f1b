package com.portfoliobulk.gateway.web;

import com.portfoliobulk.servicesupport.web.RequestIdHeader;
import com.portfoliobulk.servicesupport.web.RequestIdOrigin;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.UUID;
import org.slf4j.MDC;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.ProblemDetail;
import org.springframework.http.client.ClientHttpRequestInterceptor;
import org.springframework.stereotype.Component;
import org.springframework.web.context.request.RequestAttributes;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Gives every request an id: the client's {@code X-Request-Id} when it sent a usable one (1 to 128
 * letters, digits and {@code . _ : -}: {@link RequestIdHeader#usable}, the rule the internal services
 * apply too), otherwise a new UUID. The id is echoed in the answer's {@code X-Request-Id}, is in the
 * logging context ({@code requestId}) of every log line written while the request runs, is a {@code
 * requestId} member of every problem answer, and goes along with the gateway's calls to the internal
 * services, whose lines for the call carry it too. It runs before the security filters, so that their
 * 401 and 403 answers carry it too. As the {@link RequestIdOrigin} of the gateway's requests, it keeps
 * service-support's filter for forwarded ids out of the gateway.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE)
public class RequestIds extends OncePerRequestFilter implements RequestIdOrigin {

    /** The header that carries the id, in both directions. */
    public static final String HEADER = RequestIdHeader.NAME;

    /** The logging context key (and problem member) of the id. */
    public static final String KEY = RequestIdHeader.LOG_KEY;

    private static final String ATTRIBUTE = RequestIds.class.getName();

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        // The error page's and the async dispatch of a request keep the id the request was given, which its
        // log lines carry already: a new one would name the answer differently.
        String id = of(request);
        if (id == null) {
            String sent = request.getHeader(HEADER);
            id = RequestIdHeader.usable(sent) ? sent : UUID.randomUUID().toString();
            request.setAttribute(ATTRIBUTE, id);
        }
        response.setHeader(HEADER, id);
        MDC.put(KEY, id);
        try {
            chain.doFilter(request, response);
        } finally {
            MDC.remove(KEY);
        }
    }

    @Override
    protected boolean shouldNotFilterErrorDispatch() {
        // The error page's dispatch keeps the request's id in the logging context too.
        return false;
    }

    @Override
    protected boolean shouldNotFilterAsyncDispatch() {
        // So does the dispatch that ends a streamed answer (the task CSV download), where its failure is
        // handled and logged ("cut off", "Unexpected error").
        return false;
    }

    /** The id of the request being answered on this thread, or {@code null} outside of one. */
    public static String current() {
        RequestAttributes attributes = RequestContextHolder.getRequestAttributes();
        if (attributes != null
                && attributes.getAttribute(ATTRIBUTE, RequestAttributes.SCOPE_REQUEST) instanceof String id) {
            return id;
        }
        return MDC.get(KEY);
    }

    /** The id of {@code request}, or {@code null} when it did not pass this filter. */
    public static String of(HttpServletRequest request) {
        return request.getAttribute(ATTRIBUTE) instanceof String id ? id : null;
    }

    /** Adds the id of {@code request} to a problem answered outside Spring MVC (the security filters). */
    public static void addTo(ProblemDetail problem, HttpServletRequest request) {
        String id = of(request);
        if (id != null) {
            problem.setProperty(KEY, id);
        }
    }

    /** Sends the current request's id along with a call to another service. */
    static ClientHttpRequestInterceptor forwarding() {
        return (request, body, execution) -> {
            String id = current();
            if (id != null) {
                request.getHeaders().set(HEADER, id);
            }
            return execution.execute(request, body);
        };
    }
}
