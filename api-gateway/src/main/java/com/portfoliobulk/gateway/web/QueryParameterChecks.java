package com.portfoliobulk.gateway.web;

import com.portfoliobulk.contracts.ControlCharacters;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.util.Map;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.HandlerInterceptor;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * Checks the query parameters of every API request before its handler reads one: a value with a
 * control character ({@link ControlCharacters}; an encoded {@code %00} among them, which PostgreSQL
 * cannot store) answers the API's 400 problem naming the parameter, whichever endpoint it was sent
 * to. Path segments and header values with control characters are refused by the servlet container
 * already; the SCIM endpoints check their own parameters (their filter answers {@code invalidFilter}).
 */
@Configuration(proxyBeanMethods = false)
class QueryParameterChecks implements WebMvcConfigurer {

    static final String API_PATHS = "/api/**";

    @Override
    public void addInterceptors(InterceptorRegistry registry) {
        registry.addInterceptor(new RefuseControlCharacters()).addPathPatterns(API_PATHS);
    }

    static final class RefuseControlCharacters implements HandlerInterceptor {

        @Override
        public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler) {
            if (request.getQueryString() == null) {
                return true;
            }
            for (Map.Entry<String, String[]> parameter :
                    request.getParameterMap().entrySet()) {
                for (String value : parameter.getValue()) {
                    if (ControlCharacters.in(value)) {
                        throw new InvalidParameterException(parameter.getKey(), ControlCharacters.message(value));
                    }
                }
            }
            return true;
        }
    }
}
