package com.portfoliobulk.gateway.web;

import com.portfoliobulk.contracts.ControlCharacters;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.lang.reflect.Method;
import java.lang.reflect.RecordComponent;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SequencedSet;
import java.util.concurrent.ConcurrentHashMap;
import org.springdoc.core.annotations.ParameterObject;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.MethodParameter;
import org.springframework.http.HttpHeaders;
import org.springframework.web.bind.annotation.ModelAttribute;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.method.HandlerMethod;
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
 *       would submit the job again;
 *   <li>a parameter the endpoint does not take: ignored, a misspelt filter ({@code ?stauts=FAILED})
 *       would list every task, and a parameter of no endpoint ({@code ?dryRun=true} on a submission)
 *       would let the client believe it was obeyed, as a body field the request does not have would
 *       ({@link JsonReading}). The problem names the parameters the endpoint takes, read from its
 *       handler's {@code @RequestParam} and {@code @ParameterObject} parameters;
 *   <li>a body sent to an endpoint that reads none, for the same reason.
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

        /** Each handler's query parameters in declaration order; empty when it takes any (a map of them). */
        private final Map<Method, Optional<SequencedSet<String>>> taken = new ConcurrentHashMap<>();

        @Override
        public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler) {
            for (String header : SINGLE_VALUED_HEADERS) {
                refuseRepeated(
                        header, Collections.list(request.getHeaders(header)).size());
            }
            refuseUnreadBody(request, handler);
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
            if (handler instanceof HandlerMethod method) {
                taken.computeIfAbsent(method.getMethod(), key -> queryParameters(method))
                        .ifPresent(
                                names -> refuseUnknown(request.getParameterMap().keySet(), names));
            }
            return true;
        }

        /**
         * A body sent to an endpoint that reads none ({@code {"keepPrevious": false}} to rotate-secret,
         * whose options are query parameters) is refused rather than ignored: ignored, the client would
         * believe it was obeyed.
         */
        private void refuseUnreadBody(HttpServletRequest request, Object handler) {
            boolean sent =
                    request.getContentLengthLong() > 0 || request.getHeader(HttpHeaders.TRANSFER_ENCODING) != null;
            if (!sent || !(handler instanceof HandlerMethod method)) {
                return;
            }
            if (Arrays.stream(method.getMethodParameters())
                    .anyMatch(parameter -> parameter.hasParameterAnnotation(RequestBody.class))) {
                return;
            }
            SequencedSet<String> options = taken.computeIfAbsent(method.getMethod(), key -> queryParameters(method))
                    .orElse(new LinkedHashSet<>());
            throw new InvalidParameterException(
                    "body",
                    options.isEmpty()
                            ? "this endpoint reads no body; send the request without one"
                            : "this endpoint reads no body; send the request without one, its options as query parameters ("
                                    + String.join(", ", options) + ")");
        }

        private static void refuseUnknown(Iterable<String> given, SequencedSet<String> taken) {
            for (String name : given) {
                if (!taken.contains(name)) {
                    throw new InvalidParameterException(
                            name,
                            taken.isEmpty()
                                    ? "is not a query parameter of this endpoint, which takes none; remove it"
                                    : "is not a query parameter of this endpoint, which takes "
                                            + String.join(", ", taken) + "; remove it or correct its spelling");
                }
            }
        }

        /** The query parameters a handler reads, or empty when it reads any. */
        static Optional<SequencedSet<String>> queryParameters(HandlerMethod handler) {
            SequencedSet<String> names = new LinkedHashSet<>();
            for (MethodParameter parameter : handler.getMethodParameters()) {
                RequestParam param = parameter.getParameterAnnotation(RequestParam.class);
                if (param != null) {
                    if (Map.class.isAssignableFrom(parameter.getParameterType())) {
                        return Optional.empty();
                    }
                    names.add(
                            !param.name().isEmpty()
                                    ? param.name()
                                    : handler.getMethod()
                                            .getParameters()[parameter.getParameterIndex()]
                                            .getName());
                } else if (parameter.hasParameterAnnotation(ParameterObject.class)
                        || parameter.hasParameterAnnotation(ModelAttribute.class)) {
                    RecordComponent[] components = parameter.getParameterType().getRecordComponents();
                    if (components == null) {
                        return Optional.empty();
                    }
                    Arrays.stream(components).map(RecordComponent::getName).forEach(names::add);
                }
            }
            return Optional.of(names);
        }

        private static void refuseRepeated(String name, int values) {
            if (values > 1) {
                throw new InvalidParameterException(name, "is given " + values + " times; give it once");
            }
        }
    }
}
