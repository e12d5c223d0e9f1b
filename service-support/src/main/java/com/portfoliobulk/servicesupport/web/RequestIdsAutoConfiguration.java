package com.portfoliobulk.servicesupport.web;

import com.portfoliobulk.servicesupport.logging.LogContext;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.core.Ordered;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * The request id of the api-gateway's request in the logs of the services it calls (the bulk-worker
 * and the audit-consumer): the id a call carries in {@value RequestIdHeader#NAME}, when it is usable
 * ({@link RequestIdHeader#usable}), is in the logging context ({@value RequestIdHeader#LOG_KEY}) of
 * every line written while the call is answered, the error page's included; so one search finds a
 * request's lines in every service. A service that gives its requests their ids itself ({@link
 * RequestIdOrigin}: the gateway's) keeps that alone, and gets none of this.
 */
@AutoConfiguration
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass(OncePerRequestFilter.class)
public final class RequestIdsAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean(RequestIdOrigin.class)
    ForwardedRequestIds forwardedRequestIds() {
        return new ForwardedRequestIds();
    }

    /**
     * Puts the id a call carries into the logging context while it is answered, and puts back what was
     * there after. It runs before every other filter (the internal token's included), so that their lines
     * carry it too; an id that is missing or not usable is left out, the call answered as any other.
     */
    static final class ForwardedRequestIds extends OncePerRequestFilter implements Ordered {

        @Override
        protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
                throws ServletException, IOException {
            String id = request.getHeader(RequestIdHeader.NAME);
            if (!RequestIdHeader.usable(id)) {
                chain.doFilter(request, response);
                return;
            }
            try (LogContext context = LogContext.open().put(RequestIdHeader.LOG_KEY, id)) {
                chain.doFilter(request, response);
            }
        }

        @Override
        protected boolean shouldNotFilterErrorDispatch() {
            // The error page's dispatch comes after the request's own has ended: its lines carry the id too.
            return false;
        }

        @Override
        public int getOrder() {
            return Ordered.HIGHEST_PRECEDENCE;
        }
    }
}
