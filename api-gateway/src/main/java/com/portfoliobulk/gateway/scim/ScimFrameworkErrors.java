package com.portfoliobulk.gateway.scim;

import com.portfoliobulk.gateway.web.InternalErrors;
import com.portfoliobulk.servicesupport.web.DisconnectedClients;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterChain;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.List;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.web.ErrorResponse;
import org.springframework.web.HttpMediaTypeNotAcceptableException;
import org.springframework.web.HttpMediaTypeNotSupportedException;
import org.springframework.web.HttpRequestMethodNotSupportedException;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.servlet.HandlerExceptionResolver;
import org.springframework.web.servlet.ModelAndView;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;
import tools.jackson.databind.json.JsonMapper;

/**
 * Errors under the SCIM base path ({@code /scim/v2/}) that no SCIM endpoint answers itself are SCIM
 * errors too (RFC 7644 section 3.12), not the API's problems: Spring MVC's own refusals, decided
 * before an endpoint is chosen or after (unknown path 404, wrong method 405 with {@code Allow}, 406,
 * 415 and the like), and the error page of errors the servlet container handles (an exception in a
 * filter, {@code sendError}). {@link ScimErrorAdvice} answers what the SCIM endpoints throw. The base
 * path is the request's as it is decoded, as well as as it was sent: {@code /%73cim/v2/...} reaches the
 * SCIM endpoints too, and its errors (a body over the SCIM cap: 413, too slow: 408, the request bodies'
 * budget used up: 503, an unknown path: 404) are SCIM errors as well.
 */
@Configuration(proxyBeanMethods = false)
class ScimFrameworkErrors implements WebMvcConfigurer {

    static final String SCIM_PATHS = ScimErrors.PATHS;

    static final String NOT_FOUND = "There is no SCIM resource at this path; the SCIM base URL is"
            + " /scim/v2/portfolios/{portfolioId}, with /Users (and /Users/.search and /.search for POST),"
            + " /ServiceProviderConfig, /ResourceTypes and /Schemas.";

    /**
     * The request attribute of a request under the SCIM base path, set as it comes in: the error page's
     * dispatch knows only the path as it was sent ({@link RequestDispatcher#ERROR_REQUEST_URI}), not as it
     * was decoded.
     */
    private static final String SCIM_REQUEST = ScimFrameworkErrors.class.getName() + ".SCIM_REQUEST";

    private static final Logger log = LoggerFactory.getLogger(ScimFrameworkErrors.class);

    private final JsonMapper json;

    ScimFrameworkErrors(JsonMapper json) {
        this.json = json;
    }

    /** Ahead of the API's problem answers ({@code ProblemAdvice}). */
    @Override
    public void extendHandlerExceptionResolvers(List<HandlerExceptionResolver> resolvers) {
        resolvers.addFirst(new SpringRefusals(json));
    }

    @Bean
    FilterRegistrationBean<ScimErrorPage> scimErrorPage() {
        FilterRegistrationBean<ScimErrorPage> registration = new FilterRegistrationBean<>(new ScimErrorPage(json));
        // As a request comes in, to mark a SCIM one; on its error page, to answer it.
        registration.setDispatcherTypes(DispatcherType.REQUEST, DispatcherType.ERROR);
        // Ahead of the filters that refuse a body, the security filters and the error page's problem.
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 2);
        return registration;
    }

    static boolean isScim(String path) {
        return path != null && path.startsWith(SCIM_PATHS);
    }

    /**
     * Whether the request is under the SCIM base path, as it was sent or as it is decoded; on the error
     * page's dispatch, the request that failed.
     */
    static boolean isScim(HttpServletRequest request) {
        String context = request.getContextPath();
        if (request.getDispatcherType() == DispatcherType.ERROR) {
            return request.getAttribute(SCIM_REQUEST) != null
                    || (request.getAttribute(RequestDispatcher.ERROR_REQUEST_URI) instanceof String uri
                            && uri.startsWith(context)
                            && isScim(uri.substring(context.length())));
        }
        String decoded = request.getServletPath() + (request.getPathInfo() == null ? "" : request.getPathInfo());
        return isScim(decoded) || isScim(request.getRequestURI().substring(context.length()));
    }

    /** Spring MVC's own refusals ({@link ErrorResponse}) of a SCIM request, as SCIM errors. */
    static final class SpringRefusals implements HandlerExceptionResolver {

        private final JsonMapper json;

        SpringRefusals(JsonMapper json) {
            this.json = json;
        }

        @Override
        public ModelAndView resolveException(
                HttpServletRequest request, HttpServletResponse response, Object handler, Exception ex) {
            if (!(ex instanceof ErrorResponse refusal) || !isScim(request) || response.isCommitted()) {
                return null;
            }
            try {
                refusal.getHeaders()
                        .forEach((name, values) -> values.forEach(value -> response.addHeader(name, value)));
                ScimErrors.write(response, json, refusal.getStatusCode(), detail(ex, refusal));
                return new ModelAndView();
            } catch (IOException failed) {
                log.debug("Could not answer a SCIM error", failed);
                return null;
            }
        }

        private static String detail(Exception ex, ErrorResponse refusal) {
            HttpStatusCode status = refusal.getStatusCode();
            if (ex instanceof HttpRequestMethodNotSupportedException method) {
                return "The method " + method.getMethod() + " is not supported here; use "
                        + (method.getSupportedHttpMethods() == null
                                ? "another"
                                : method.getSupportedHttpMethods().stream()
                                        .map(HttpMethod::name)
                                        .collect(Collectors.joining(", ")))
                        + ".";
            }
            if (ex instanceof HttpMediaTypeNotSupportedException) {
                return "Send the body as application/scim+json (or application/json).";
            }
            if (ex instanceof HttpMediaTypeNotAcceptableException) {
                return "The answer is application/scim+json (or application/json); accept one of them.";
            }
            if (status.value() == HttpStatus.NOT_FOUND.value()) {
                return NOT_FOUND;
            }
            String detail = refusal.getBody().getDetail();
            return detail == null ? "The request cannot be answered: " + status.value() + "." : detail;
        }
    }

    /**
     * The error page of a SCIM request, as a SCIM error with the error's status; it marks a SCIM request
     * as it comes in, for its error page to know it.
     */
    static final class ScimErrorPage extends OncePerRequestFilter {

        private final JsonMapper json;

        ScimErrorPage(JsonMapper json) {
            this.json = json;
        }

        @Override
        protected boolean shouldNotFilterErrorDispatch() {
            return false;
        }

        @Override
        protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
                throws ServletException, IOException {
            if (request.getDispatcherType() != DispatcherType.ERROR) {
                if (isScim(request)) {
                    request.setAttribute(SCIM_REQUEST, Boolean.TRUE);
                }
                chain.doFilter(request, response);
                return;
            }
            if (!isScim(request) || response.isCommitted()) {
                chain.doFilter(request, response);
                return;
            }
            HttpStatus status = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE) instanceof Integer code
                    ? HttpStatus.resolve(code)
                    : null;
            if (status == null || !status.isError()) {
                status = HttpStatus.INTERNAL_SERVER_ERROR;
            }
            Throwable failure =
                    request.getAttribute(RequestDispatcher.ERROR_EXCEPTION) instanceof Throwable cause ? cause : null;
            if (failure != null && DisconnectedClients.wentAway(failure, request)) {
                return;
            }
            String detail;
            if (status == HttpStatus.SERVICE_UNAVAILABLE
                    && request.getAttribute(RequestDispatcher.ERROR_MESSAGE) instanceof String message
                    && !message.isBlank()) {
                // The request body budget's own message: too many bodies at once, retry.
                detail = message;
            } else if (status.is5xxServerError()) {
                // As the API's error page answers it: an error id, which the log has with the failure.
                detail = InternalErrors.detail(InternalErrors.logged(
                        failure != null ? failure : new IllegalStateException("HTTP " + status.value())));
            } else if (status == HttpStatus.NOT_FOUND) {
                detail = NOT_FOUND;
            } else if (status == HttpStatus.CONTENT_TOO_LARGE
                    && request.getAttribute(RequestDispatcher.ERROR_MESSAGE) instanceof String message
                    && !message.isBlank()) {
                // The body limit's own message: the cap.
                detail = message;
            } else {
                detail = "The request cannot be answered: " + status.value() + " " + status.getReasonPhrase() + ".";
            }
            response.resetBuffer();
            ScimErrors.write(response, json, status, detail);
        }
    }
}
