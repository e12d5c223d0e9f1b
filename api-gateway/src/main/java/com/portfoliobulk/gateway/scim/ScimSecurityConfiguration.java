package com.portfoliobulk.gateway.scim;

import com.portfoliobulk.gateway.security.RejectedRequestProblems;
import com.portfoliobulk.gateway.web.CanonicalUuids;
import com.portfoliobulk.gateway.web.FilterRefusals;
import com.portfoliobulk.gateway.web.RejectedRequests;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.core.context.SecurityContext;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.authentication.www.BasicAuthenticationFilter;
import org.springframework.security.web.firewall.RequestRejectedHandler;
import org.springframework.security.web.header.writers.ReferrerPolicyHeaderWriter.ReferrerPolicy;
import org.springframework.security.web.header.writers.StaticHeadersWriter;
import org.springframework.web.filter.OncePerRequestFilter;
import tools.jackson.databind.json.JsonMapper;

/**
 * The SCIM endpoints ({@code /scim/v2/**}) have a security filter chain of their own, ahead of the
 * API's: only a SCIM token ({@code Authorization: Bearer scim_...}) is accepted there, and only on
 * its own portfolio's URLs (another portfolio's answers 403). Administrators' JWTs are not accepted
 * here, and SCIM tokens are not accepted anywhere else (the API's chain validates JWTs only).
 * Failures answer in the SCIM error format with {@code WWW-Authenticate: Bearer}; a token that cannot
 * be checked because the database is unavailable, 503 with {@code Retry-After} ({@link
 * ScimErrors#unavailable}).
 */
@Configuration(proxyBeanMethods = false)
class ScimSecurityConfiguration {

    private static final Pattern PORTFOLIO_PATH = Pattern.compile("^/scim/v2/portfolios/([^/]+)(/.*)?$");

    /**
     * What the security firewall refuses before any endpoint is chosen (for every filter chain): a
     * SCIM error under the SCIM base path, the API's problem elsewhere, or on the console's pages the
     * console's page of it for a browser ({@link RejectedRequestProblems}).
     */
    @Bean
    RequestRejectedHandler problemForRejectedRequests(JsonMapper json, FilterRefusals pages) {
        RejectedRequestProblems api = new RejectedRequestProblems(json, pages);
        return (request, response, exception) -> {
            if (!ScimFrameworkErrors.isScim(request)) {
                api.handle(request, response, exception);
                return;
            }
            RejectedRequests refusal = RejectedRequests.of(exception);
            if (refusal.status() == HttpStatus.METHOD_NOT_ALLOWED) {
                response.setHeader(HttpHeaders.ALLOW, RejectedRequests.METHODS);
            }
            response.setStatus(refusal.status().value());
            response.setContentType(ScimErrors.CONTENT_TYPE);
            // scimType belongs to a 400 only (RFC 7644 section 3.12), not to the firewall's 405.
            String scimType = refusal.status() == HttpStatus.BAD_REQUEST ? "invalidValue" : null;
            json.writeValue(response.getOutputStream(), ScimErrors.body(refusal.status(), scimType, refusal.detail()));
        };
    }

    @Bean
    @Order(Ordered.HIGHEST_PRECEDENCE)
    SecurityFilterChain scimSecurity(HttpSecurity http, ScimTokens tokens, JsonMapper json) throws Exception {
        return http.securityMatcher("/scim/v2/**")
                .authorizeHttpRequests(requests -> requests.dispatcherTypeMatchers(DispatcherType.ERROR)
                        .permitAll()
                        .anyRequest()
                        .authenticated())
                .sessionManagement(session -> session.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                // Bearer tokens only, no cookies: there is no session for a forged request to ride on.
                .csrf(csrf -> csrf.disable())
                // Nothing to sign out of (see SecurityConfiguration).
                .logout(logout -> logout.disable())
                .headers(headers -> headers.referrerPolicy(referrer -> referrer.policy(ReferrerPolicy.NO_REFERRER))
                        .addHeaderWriter(new StaticHeadersWriter(
                                "Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")))
                .addFilterBefore(new ScimTokenFilter(tokens, json), BasicAuthenticationFilter.class)
                .exceptionHandling(exceptions -> exceptions
                        .authenticationEntryPoint((request, response, exception) -> unauthorized(response, json))
                        .accessDeniedHandler((request, response, exception) -> ScimErrors.write(
                                response, json, HttpStatus.FORBIDDEN, "This SCIM token may not do this.")))
                .build();
    }

    private static void unauthorized(HttpServletResponse response, JsonMapper json) throws IOException {
        response.setHeader(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"scim\"");
        ScimErrors.write(
                response,
                json,
                HttpStatus.UNAUTHORIZED,
                "Send the portfolio's SCIM token: Authorization: Bearer scim_... (a Portfolio Owner creates one with"
                        + " POST /api/v1/portfolios/{portfolioId}/scim-tokens). Revoked tokens and administrators'"
                        + " tokens are not accepted here.");
    }

    /** Authenticates a SCIM token and keeps it to its portfolio's URLs. */
    private static final class ScimTokenFilter extends OncePerRequestFilter {

        private static final String BEARER = "bearer ";

        private final ScimTokens tokens;

        private final JsonMapper json;

        ScimTokenFilter(ScimTokens tokens, JsonMapper json) {
            this.tokens = tokens;
            this.json = json;
        }

        @Override
        protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
                throws ServletException, IOException {
            String header = request.getHeader(HttpHeaders.AUTHORIZATION);
            if (header == null || !header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
                chain.doFilter(request, response);
                return;
            }
            Optional<ScimTokens.ScimToken> token;
            try {
                token = tokens.authenticate(header.substring(BEARER.length()).strip());
            } catch (RuntimeException ex) {
                // The database unavailable: 503, as for any request that needs it, not the error page's 500.
                if (ScimErrors.writeUnavailable(response, json, ex)) {
                    return;
                }
                throw ex;
            }
            if (token.isEmpty()) {
                unauthorized(response, json);
                return;
            }
            String pathPortfolio = pathPortfolio(request);
            if (pathPortfolio != null) {
                // Fails closed: the endpoints decode and convert the id, so any spelling but the canonical
                // one (a percent-encoded character, a space) could name another portfolio than it seems.
                UUID portfolio = CanonicalUuids.parse(pathPortfolio);
                if (portfolio == null || !portfolio.equals(token.get().portfolioId())) {
                    ScimErrors.write(
                            response,
                            json,
                            HttpStatus.FORBIDDEN,
                            portfolio == null
                                    ? "The portfolio id in the path must be written as 8-4-4-4-12 hexadecimal digits,"
                                            + " as in the SCIM base URL shown when the token was created."
                                    : "This SCIM token provisions another portfolio; use the SCIM base URL shown when"
                                            + " it was created.");
                    return;
                }
            }
            SecurityContext context = SecurityContextHolder.createEmptyContext();
            context.setAuthentication(new ScimClient(token.get()));
            SecurityContextHolder.setContext(context);
            try {
                chain.doFilter(request, response);
            } finally {
                SecurityContextHolder.clearContext();
            }
        }

        /** The portfolio segment of the path as the request wrote it (not decoded), if it has one. */
        private static String pathPortfolio(HttpServletRequest request) {
            String path =
                    request.getRequestURI().substring(request.getContextPath().length());
            Matcher matcher = PORTFOLIO_PATH.matcher(path);
            return matcher.matches() ? matcher.group(1) : null;
        }
    }
}
