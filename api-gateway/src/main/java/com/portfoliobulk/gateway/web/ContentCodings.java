package com.portfoliobulk.gateway.web;

import com.portfoliobulk.contracts.Quoted;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpHeaders;
import org.springframework.web.servlet.HandlerInterceptor;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * Refuses a request body sent with a content coding ({@code Content-Encoding: gzip} and the like)
 * before its handler reads it: no endpoint decodes one, and read as if it were plain it would fail
 * as malformed JSON, or worse. The answer is 415 naming {@code Content-Encoding}, with {@code
 * Accept-Encoding: identity} saying that only an uncompressed body is taken (RFC 9110 section
 * 15.5.16); {@code Content-Encoding: identity} is a plain body. The SCIM endpoints answer the same
 * refusal in their own error format.
 */
@Configuration(proxyBeanMethods = false)
class ContentCodings implements WebMvcConfigurer {

    /** The one content coding every endpoint reads: none. */
    static final String IDENTITY = "identity";

    @Override
    public void addInterceptors(InterceptorRegistry registry) {
        registry.addInterceptor(new RefuseContentCodings());
    }

    static final class RefuseContentCodings implements HandlerInterceptor {

        @Override
        public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler) {
            for (String header : Collections.list(request.getHeaders(HttpHeaders.CONTENT_ENCODING))) {
                for (String coding : header.split(",")) {
                    String name = coding.strip();
                    if (!name.isEmpty() && !name.toLowerCase(Locale.ROOT).equals(IDENTITY)) {
                        throw refusal(name);
                    }
                }
            }
            return true;
        }

        private static RequestRefusedException refusal(String coding) {
            String message =
                    Quoted.of(coding) + " is not accepted; send the body uncompressed, without Content-Encoding";
            RequestRefusedException refusal = new RequestRefusedException(
                    RequestRefusedException.Reason.UNSUPPORTED_MEDIA_TYPE,
                    "Unsupported content coding",
                    "Invalid '" + HttpHeaders.CONTENT_ENCODING + "': " + message + ".",
                    List.of(new FieldProblem(HttpHeaders.CONTENT_ENCODING, message)),
                    null,
                    null);
            refusal.headers().set(HttpHeaders.ACCEPT_ENCODING, IDENTITY);
            return refusal;
        }
    }
}
