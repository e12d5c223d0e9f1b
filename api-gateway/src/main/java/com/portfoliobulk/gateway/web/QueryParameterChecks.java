package com.portfoliobulk.gateway.web;

import com.portfoliobulk.contracts.ControlCharacters;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.HandlerInterceptor;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * Checks the query parameters of every API request before its handler reads one, and answers the
 * API's 400 problem naming the parameter, whichever endpoint it was sent to:
 *
 * <ul>
 *   <li>a value with a control character ({@link ControlCharacters}; an encoded {@code %00} among
 *       them, which PostgreSQL cannot store);
 *   <li>a parameter given more than once, and so the {@code Idempotency-Key} header: one of the values
 *       silently winning, or both joined with a comma, would make {@code ?status=SUCCEEDED&status=FAILED}
 *       list only the succeeded tasks, and a key that a proxy repeated a new key, so that a retry
 *       would submit the job again.
 * </ul>
 *
 * Path segments and header values with control characters are refused by the servlet container
 * already; the SCIM endpoints check their own parameters (their filter answers {@code invalidFilter}).
 */
@Configuration(proxyBeanMethods = false)
class QueryParameterChecks implements WebMvcConfigurer {

    static final String API_PATHS = "/api/**";

    /** The headers that hold one value. */
    private static final List<String> SINGLE_VALUED_HEADERS = List.of("Idempotency-Key");

    @Override
    public void addInterceptors(InterceptorRegistry registry) {
        registry.addInterceptor(new RefuseUnusableParameters()).addPathPatterns(API_PATHS);
    }

    static final class RefuseUnusableParameters implements HandlerInterceptor {

        @Override
        public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler) {
            for (String header : SINGLE_VALUED_HEADERS) {
                refuseRepeated(
                        header, Collections.list(request.getHeaders(header)).size());
            }
            if (request.getQueryString() == null) {
                return true;
            }
            for (Map.Entry<String, String[]> parameter :
                    request.getParameterMap().entrySet()) {
                refuseRepeated(parameter.getKey(), parameter.getValue().length);
                for (String value : parameter.getValue()) {
                    if (ControlCharacters.in(value)) {
                        throw new InvalidParameterException(parameter.getKey(), ControlCharacters.message(value));
                    }
                }
            }
            return true;
        }

        private static void refuseRepeated(String name, int values) {
            if (values > 1) {
                throw new InvalidParameterException(name, "is given " + values + " times; give it once");
            }
        }
    }
}
