package com.portfoliobulk.internalauth;

import com.portfoliobulk.contracts.ProblemTypes;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Guards a service's internal API: a request without a valid internal token
 * ({@code Authorization: Bearer <token>}, see {@link InternalTokens}) is answered 401 with an RFC
 * 9457 problem of the product's type {@link ProblemTypes#UNAUTHORIZED} and {@code WWW-Authenticate:
 * Bearer}, before any controller runs, and before anything reads the request's body: register it
 * at {@link #ORDER}. Register it for the internal API's paths only, so that health probes and
 * metrics stay reachable on their own port.
 */
public final class InternalTokenFilter extends OncePerRequestFilter {

    /**
     * The filter's place in the chain: after the filters at the highest precedence, which read no
     * body (the request id of the logs, the character encoding, the request's observation, the
     * refusal of {@code TRACE}), so that a 401 is logged with its request id and counted in the
     * metrics; before every filter that may read the body (Spring's form content filter, for one,
     * reads a whole form body of a PUT, PATCH or DELETE with no limit), so that a caller without
     * the token never has its body read.
     */
    public static final int ORDER = Ordered.HIGHEST_PRECEDENCE + 2;

    private static final String BEARER = "Bearer ";

    private final InternalTokens tokens;

    public InternalTokenFilter(InternalTokens tokens) {
        this.tokens = tokens;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String authorization = request.getHeader(HttpHeaders.AUTHORIZATION);
        boolean hasBearer = authorization != null && authorization.regionMatches(true, 0, BEARER, 0, BEARER.length());
        if (hasBearer && tokens.isValid(authorization.substring(BEARER.length()).strip())) {
            chain.doFilter(request, response);
            return;
        }
        String detail = hasBearer
                ? "The internal token is invalid or expired."
                : "This internal API answers the other services only: send their internal token"
                        + " (Authorization: Bearer <token>).";
        response.setStatus(HttpServletResponse.SC_UNAUTHORIZED);
        response.setHeader(
                HttpHeaders.WWW_AUTHENTICATE,
                hasBearer ? "Bearer error=\"invalid_token\"" : "Bearer realm=\"portfolio-bulk-internal\"");
        response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        String problem =
                ProblemTypes.json(HttpServletResponse.SC_UNAUTHORIZED, "Unauthorized", detail, request.getRequestURI());
        response.getOutputStream().write(problem.getBytes(StandardCharsets.UTF_8));
    }
}
