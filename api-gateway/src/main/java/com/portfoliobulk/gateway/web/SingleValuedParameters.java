package com.portfoliobulk.gateway.web;

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
 * Every query parameter of the API, and its {@code Idempotency-Key} header, holds one value: one given
 * twice is refused (400 naming it) rather than one of the values silently winning, or both being
 * joined with a comma, which would make {@code ?status=COMPLETED&status=FAILED} list only the completed
 * tasks, and a key that a proxy repeated a new key, so that a retry would submit the job again.
 */
@Configuration(proxyBeanMethods = false)
class SingleValuedParameters implements WebMvcConfigurer {

    /** The headers that hold one value. */
    private static final List<String> SINGLE_VALUED_HEADERS = List.of("Idempotency-Key");

    @Override
    public void addInterceptors(InterceptorRegistry registry) {
        registry.addInterceptor(new RefuseRepeated()).addPathPatterns("/api/**");
    }

    private static final class RefuseRepeated implements HandlerInterceptor {

        @Override
        public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler) {
            for (Map.Entry<String, String[]> parameter :
                    request.getParameterMap().entrySet()) {
                refuseRepeated(parameter.getKey(), parameter.getValue().length);
            }
            for (String header : SINGLE_VALUED_HEADERS) {
                refuseRepeated(
                        header, Collections.list(request.getHeaders(header)).size());
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
