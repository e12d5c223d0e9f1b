package com.portfoliobulk.gateway.security;

import com.nimbusds.jose.KeySourceException;
import com.portfoliobulk.gateway.web.Problems;
import com.portfoliobulk.gateway.web.RejectedRequests;
import com.portfoliobulk.gateway.web.RequestIds;
import com.portfoliobulk.servicesupport.tracing.SecretPaths;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.NestedExceptionUtils;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.security.authentication.AuthenticationServiceException;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.oauth2.server.resource.web.BearerTokenAuthenticationEntryPoint;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.web.access.AccessDeniedHandler;
import org.springframework.security.web.authentication.AuthenticationFailureHandler;
import tools.jackson.databind.json.JsonMapper;

/**
 * Writes 401 and 403 answers of the security filters as RFC 9457 problems like every other problem
 * of the API (the request's path as {@code instance}, its {@code requestId}), keeping the {@code
 * WWW-Authenticate} header a bearer-token client expects; and the 503 of a bearer token that cannot be
 * checked because the identity provider's key set cannot be fetched ({@link #bearerTokenFailureHandler}).
 */
final class ProblemResponses {

    private static final Logger log = LoggerFactory.getLogger(ProblemResponses.class);

    /** The dependency a bearer token's check found unavailable, as the 503's detail and log line name it. */
    static final String KEY_SET = "identity provider's key set";

    /** The configuration a bearer token's check found unusable, as the 503's detail and log line name it. */
    static final String CONFIGURATION = "identity provider's configuration";

    private final JsonMapper json;

    ProblemResponses(JsonMapper json) {
        this.json = json;
    }

    AuthenticationEntryPoint authenticationEntryPoint() {
        BearerTokenAuthenticationEntryPoint bearer = new BearerTokenAuthenticationEntryPoint();
        return (request, response, exception) -> {
            bearer.commence(request, response, exception);
            write(
                    request,
                    response,
                    HttpStatus.UNAUTHORIZED,
                    Problems.UNAUTHORIZED,
                    "Authentication required",
                    detail(exception));
        };
    }

    /**
     * What the bearer token filter answers a token it does not authenticate: 401 ({@link
     * #authenticationEntryPoint}); but 503 {@code unavailable} with {@code Retry-After: 5} when the
     * identity provider's key set, needed to check the token's signature, cannot be fetched (its endpoint
     * is down, answers an error or no key set, or does not answer in time), as the gateway answers every
     * outage of a dependency, logged as one WARN line without a stack trace, its path without an
     * invitation token ({@link SecretPaths}). The decoder reports that as no bad token ({@code
     * AuthenticationServiceException}), which Spring Security's own handler rethrows, so the error page
     * answered it 500 "Internal error". So is a token that cannot be checked because the provider's
     * configuration at its issuer cannot be used ({@link IssuerConfigurationException}): the gateway
     * cannot check tokens right now, which is no fault of the client's; its WARN line names what is wrong
     * for the operator. Any other such failure still is rethrown: a defect.
     */
    AuthenticationFailureHandler bearerTokenFailureHandler() {
        AuthenticationEntryPoint refused = authenticationEntryPoint();
        return (request, response, exception) -> {
            if (!(exception instanceof AuthenticationServiceException)) {
                refused.commence(request, response, exception);
                return;
            }
            IssuerConfigurationException configuration = IdentityProviderOutages.issuerConfiguration(exception);
            if (configuration != null) {
                log.warn(
                        "Answering 503: the {} cannot be used to check the bearer token of {} {} ({}); correct"
                                + " spring.security.oauth2.resourceserver.jwt.issuer-uri or the provider's configuration",
                        CONFIGURATION,
                        request.getMethod(),
                        SecretPaths.redact(request.getRequestURI()),
                        configuration.describe());
                response.setHeader(HttpHeaders.RETRY_AFTER, "5");
                write(
                        request,
                        response,
                        HttpStatus.SERVICE_UNAVAILABLE,
                        Problems.UNAVAILABLE,
                        "Service unavailable",
                        "The service cannot check bearer tokens right now: the " + CONFIGURATION
                                + " cannot be used; try again shortly.");
                return;
            }
            KeySourceException keySet = IdentityProviderOutages.keySet(exception);
            if (keySet == null) {
                throw exception;
            }
            Throwable cause = NestedExceptionUtils.getMostSpecificCause(keySet);
            log.warn(
                    "Answering 503: the {} is unavailable to {} {} ({})",
                    KEY_SET,
                    request.getMethod(),
                    SecretPaths.redact(request.getRequestURI()),
                    cause == keySet ? keySet.toString() : keySet + "; caused by " + cause);
            response.setHeader(HttpHeaders.RETRY_AFTER, "5");
            write(
                    request,
                    response,
                    HttpStatus.SERVICE_UNAVAILABLE,
                    Problems.UNAVAILABLE,
                    "Service unavailable",
                    "The service cannot reach its " + KEY_SET + " right now; try again shortly.");
        };
    }

    AccessDeniedHandler accessDeniedHandler() {
        return (request, response, exception) -> write(
                request, response, HttpStatus.FORBIDDEN, Problems.FORBIDDEN, "Permission denied", detail(exception));
    }

    /**
     * A firewall's refusal as a problem naming the part refused ({@link RejectedRequestProblems}, which
     * sets {@code Allow} on a 405).
     */
    void rejected(HttpServletRequest request, HttpServletResponse response, RejectedRequests refusal)
            throws IOException {
        write(request, response, refusal.problem());
    }

    private static String detail(AuthenticationException exception) {
        return "Send a valid, unexpired bearer token (Authorization: Bearer <JWT>). "
                + (exception.getMessage() == null ? "" : exception.getMessage());
    }

    private static String detail(AccessDeniedException exception) {
        return exception.getMessage() == null ? "You may not do this." : exception.getMessage();
    }

    private void write(
            HttpServletRequest request,
            HttpServletResponse response,
            HttpStatus status,
            URI type,
            String title,
            String detail)
            throws IOException {
        write(request, response, Problems.of(status, type, title, detail.strip(), List.of()));
    }

    private void write(HttpServletRequest request, HttpServletResponse response, ProblemDetail problem)
            throws IOException {
        Problems.setInstance(problem, request.getRequestURI());
        RequestIds.addTo(problem, request);
        response.setStatus(problem.getStatus());
        response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        json.writeValue(response.getOutputStream(), problem);
    }
}
