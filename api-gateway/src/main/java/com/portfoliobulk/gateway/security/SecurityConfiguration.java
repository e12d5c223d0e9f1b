package com.portfoliobulk.gateway.security;

import jakarta.servlet.DispatcherType;
import java.time.Clock;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.config.ObjectPostProcessor;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.config.observation.SecurityObservationSettings;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.SupplierJwtDecoder;
import org.springframework.security.oauth2.server.resource.OAuth2ProtectedResourceMetadata;
import org.springframework.security.oauth2.server.resource.OAuth2ProtectedResourceMetadataClaimNames;
import org.springframework.security.oauth2.server.resource.web.authentication.BearerTokenAuthenticationFilter;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.header.writers.DelegatingRequestMatcherHeaderWriter;
import org.springframework.security.web.header.writers.ReferrerPolicyHeaderWriter.ReferrerPolicy;
import org.springframework.security.web.header.writers.StaticHeadersWriter;
import org.springframework.security.web.servlet.util.matcher.PathPatternRequestMatcher;
import org.springframework.security.web.util.matcher.NegatedRequestMatcher;
import org.springframework.security.web.util.matcher.OrRequestMatcher;
import org.springframework.security.web.util.matcher.RequestMatcher;
import tools.jackson.databind.json.JsonMapper;

/**
 * Every API call needs a bearer JWT (see {@link BearerTokenValidation} for which tokens are valid);
 * only health, info, metrics and the API description are open. A token that cannot be checked because
 * the identity provider's key set cannot be fetched answers 503, not 401 nor 500 ({@link
 * ProblemResponses#bearerTokenFailureHandler}), also while its configuration, which Spring Boot fetches at
 * the first token when only {@code issuer-uri} is set, cannot be, or cannot be used ({@link
 * IssuerDiscoveryDecoder}). Answers carry the usual security
 * headers: {@code nosniff}, {@code X-Frame-Options: DENY}, {@code Cache-Control: no-store} unless
 * the answer sets its own caching (the job status sets {@code no-store} itself, also on its 304), HSTS on HTTPS,
 * {@code Referrer-Policy: no-referrer}, and outside Swagger UI a Content-Security-Policy that allows
 * nothing, since the API serves data and never pages.
 */
@Configuration(proxyBeanMethods = false)
class SecurityConfiguration {

    static final String API_CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'";

    private static final RequestMatcher SWAGGER_UI = new OrRequestMatcher(
            PathPatternRequestMatcher.withDefaults().matcher("/swagger-ui/**"),
            PathPatternRequestMatcher.withDefaults().matcher("/swagger-ui.html"),
            PathPatternRequestMatcher.withDefaults().matcher("/webjars/swagger-ui/**"));

    /**
     * No observations of Spring Security's filters, authentications and authorizations: they feed no
     * metric, dashboard or trace here, and wrapping every filter of every request cost a good share of
     * a status poll's CPU even with the observations disabled by property.
     */
    @Bean
    SecurityObservationSettings noSpringSecurityObservations() {
        return SecurityObservationSettings.noObservations();
    }

    /**
     * Spring Boot's decoder built from {@code issuer-uri} alone, at the first token, as the {@link
     * IssuerDiscoveryDecoder} that reports and remembers its failed fetches, wherever it is used: the
     * API's tokens and the access token of a console sign-in share them.
     */
    @Bean
    static BeanPostProcessor issuerDiscovery() {
        return new BeanPostProcessor() {
            @Override
            public Object postProcessAfterInitialization(Object bean, String beanName) {
                return bean instanceof SupplierJwtDecoder supplied
                        ? new IssuerDiscoveryDecoder(supplied, Clock.systemUTC())
                        : bean;
            }
        };
    }

    @Bean
    SecurityFilterChain apiSecurity(
            HttpSecurity http,
            JsonMapper json,
            ObjectProvider<JwtDecoder> decoders,
            GatewaySecurityProperties properties,
            KeySetCache keys)
            throws Exception {
        JwtDecoder validating = decoders.getIfAvailable();
        if (validating == null) {
            throw new IllegalStateException(BearerTokenValidation.NOT_CONFIGURED);
        }
        JwtDecoder decoder = new ValidatedTokenCache(
                validating,
                properties.tokenCacheTtl(),
                BearerTokenValidation.CLOCK_SKEW,
                Clock.systemUTC(),
                keys::expiry);
        ProblemResponses problems = new ProblemResponses(json);
        return http.authorizeHttpRequests(requests -> requests
                        // The error page renders a problem for an answer already decided; in an answer that
                        // had begun (a download cut off, a console's among them), the container includes it,
                        // and it writes nothing there. A client can make neither dispatch.
                        .dispatcherTypeMatchers(DispatcherType.ERROR, DispatcherType.INCLUDE)
                        .permitAll()
                        .requestMatchers(
                                "/actuator/health", "/actuator/health/**", "/actuator/info", "/actuator/prometheus")
                        .permitAll()
                        .requestMatchers(
                                "/v3/api-docs",
                                "/v3/api-docs.yaml",
                                "/v3/api-docs/**",
                                "/swagger-ui/**",
                                "/swagger-ui.html",
                                "/webjars/swagger-ui/**")
                        .permitAll()
                        .anyRequest()
                        .authenticated())
                .sessionManagement(session -> session.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                // Stateless bearer tokens, no cookies: there is no session for a forged request to ride on.
                .csrf(csrf -> csrf.disable())
                // Nothing to sign out of. Spring Security's /logout would otherwise, with CSRF off, end the
                // console's session on a GET that any site can link to (the console signs out with its
                // own form, POST /console/sign-out with a CSRF token).
                .logout(logout -> logout.disable())
                .headers(headers -> headers.referrerPolicy(referrer -> referrer.policy(ReferrerPolicy.NO_REFERRER))
                        .addHeaderWriter(new DelegatingRequestMatcherHeaderWriter(
                                new NegatedRequestMatcher(SWAGGER_UI),
                                new StaticHeadersWriter("Content-Security-Policy", API_CONTENT_SECURITY_POLICY))))
                .oauth2ResourceServer(server -> server.bearerTokenResolver(new HeaderBearerTokens())
                        .jwt(jwt -> jwt.decoder(decoder))
                        .authenticationEntryPoint(problems.authenticationEntryPoint())
                        .accessDeniedHandler(problems.accessDeniedHandler())
                        .protectedResourceMetadata(metadata ->
                                metadata.protectedResourceMetadataCustomizer(SecurityConfiguration::resourceMetadata))
                        // A token that cannot be checked for want of the identity provider's key set: 503.
                        .withObjectPostProcessor(new ObjectPostProcessor<BearerTokenAuthenticationFilter>() {
                            @Override
                            public <O extends BearerTokenAuthenticationFilter> O postProcess(O filter) {
                                filter.setAuthenticationFailureHandler(problems.bearerTokenFailureHandler());
                                return filter;
                            }
                        }))
                .exceptionHandling(exceptions -> exceptions
                        .authenticationEntryPoint(problems.authenticationEntryPoint())
                        .accessDeniedHandler(problems.accessDeniedHandler()))
                .build();
    }

    /**
     * The OAuth 2.0 Protected Resource Metadata (RFC 9728, {@code /.well-known/oauth-protected-resource})
     * claims only what the gateway does: it takes a bearer token in the {@code Authorization} header
     * only ({@link HeaderBearerTokens}), does not bind tokens to client certificates (Spring's default
     * claims it does), and uses no OAuth scopes (permissions are the token's per-portfolio claims).
     */
    static void resourceMetadata(OAuth2ProtectedResourceMetadata.Builder metadata) {
        metadata.tlsClientCertificateBoundAccessTokens(false)
                .bearerMethods(methods -> {
                    methods.clear();
                    methods.add("header");
                })
                .claims(claims -> claims.remove(OAuth2ProtectedResourceMetadataClaimNames.SCOPES_SUPPORTED));
    }
}
