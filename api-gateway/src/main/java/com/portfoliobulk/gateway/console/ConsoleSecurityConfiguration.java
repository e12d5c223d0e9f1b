package com.portfoliobulk.gateway.console;

import com.portfoliobulk.gateway.security.PortfolioAccess;
import com.portfoliobulk.gateway.web.CallerKey;
import com.portfoliobulk.gateway.web.FormCallers;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.security.oauth2.client.autoconfigure.ConditionalOnOAuth2ClientRegistrationProperties;
import org.springframework.boot.security.oauth2.client.autoconfigure.OAuth2ClientProperties;
import org.springframework.boot.security.oauth2.server.resource.autoconfigure.JwkSetUriJwtDecoderBuilderCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.security.config.ObjectPostProcessor;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.oauth2.client.registration.ClientRegistration;
import org.springframework.security.oauth2.client.registration.ClientRegistrationRepository;
import org.springframework.security.oauth2.client.web.HttpSessionOAuth2AuthorizedClientRepository;
import org.springframework.security.oauth2.client.web.OAuth2AuthorizationRequestRedirectFilter;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtDecoderFactory;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.context.HttpSessionSecurityContextRepository;
import org.springframework.security.web.context.SecurityContextRepository;
import org.springframework.security.web.csrf.CsrfTokenRepository;
import org.springframework.security.web.header.writers.ReferrerPolicyHeaderWriter.ReferrerPolicy;
import org.springframework.web.client.RestTemplate;

/**
 * The console's own filter chain, ahead of the API's: a session (cookie {@code HttpOnly},
 * {@code SameSite=Lax}, see {@code server.servlet.session.cookie.*}), CSRF tokens on every form and
 * htmx request, sign-in by the identity provider ({@code oauth2Login}, when a client registration
 * is configured) or, in the {@code local} profile, the demo sign-in. The invitation page of the
 * invitation e-mails ({@code /invitations/{token}}) is a console page: a person who is not signed in
 * signs in first and comes back to it ({@link SignInReturn}), and the identity provider lets them
 * choose the account to sign in with ({@link IdentityProviderRequests}). The calls to the provider during
 * a sign-in (its configuration, token, user-info and key-set endpoints) have time limits ({@link
 * IdentityProviderCalls}).
 * The API's chain stays bearer-only and stateless: a console session never authenticates an {@code /api}
 * call.
 */
@Configuration(proxyBeanMethods = false)
class ConsoleSecurityConfiguration {

    static final String SIGN_IN = "/console/sign-in";

    /** Scripts and styles from this origin only (htmx's own indicator styles are turned off). */
    static final String CONSOLE_CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self'; style-src 'self';"
            + " img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    /**
     * The identity providers of {@code spring.security.oauth2.client.*}, in place of Spring Boot's
     * repository: one given by its issuer is resolved at its first sign-in, not while the gateway starts,
     * and a sign-in waits for that at most the time limits of the calls to the provider, to connect and to
     * read.
     */
    @Bean
    @ConditionalOnOAuth2ClientRegistrationProperties
    ConsoleIdentityProviders consoleIdentityProviders(OAuth2ClientProperties properties, ConsoleProperties console) {
        return new ConsoleIdentityProviders(
                properties, console.identityProviderConnectTimeout().plus(console.identityProviderReadTimeout()));
    }

    /**
     * The decoders of OpenID Connect sign-ins' ID tokens, which Spring Security's {@code oauth2Login} takes
     * from here: their fetches of the provider's key set have the time limits ({@link
     * IdentityProviderCalls#idTokens}).
     */
    @Bean
    @ConditionalOnOAuth2ClientRegistrationProperties
    JwtDecoderFactory<ClientRegistration> identityProviderIdTokens(ConsoleProperties properties) {
        return new IdentityProviderCalls(properties).idTokens();
    }

    /**
     * The time limits of the calls to the identity provider also for the fetches of its key set (and, with
     * {@code issuer-uri} alone, its configuration) that check bearer tokens, the API's and those of a
     * sign-in ({@link IdentityProviderCalls#keySet}); applied by Spring Boot to the decoder it builds.
     */
    @Bean
    JwkSetUriJwtDecoderBuilderCustomizer identityProviderKeySetTimeLimits(ConsoleProperties properties) {
        RestTemplate keySet = new IdentityProviderCalls(properties).keySet();
        return builder -> builder.restOperations(keySet);
    }

    @Bean
    SecurityContextRepository consoleSecurityContextRepository() {
        return new HttpSessionSecurityContextRepository();
    }

    /**
     * Where the console's CSRF tokens are kept: the session, renewed whenever a console session starts;
     * a form sent without a session cookie starts none ({@link SessionCsrfTokens}).
     */
    @Bean
    CsrfTokenRepository consoleCsrfTokenRepository() {
        return new SessionCsrfTokens();
    }

    /**
     * The console's signed-in user sending a request of the console, by the session it names, before the
     * security filters load it: the request bodies' budget counts a console form's body, which is read
     * before those filters (the CSRF check reads its token), as that user's: by the key the budget
     * counts their other requests by ({@link CallerKey}, their user id), never by their address.
     */
    @Bean
    FormCallers consoleFormCallers(
            SecurityContextRepository consoleSecurityContextRepository,
            @Qualifier("consoleSecurity") ObjectProvider<SecurityFilterChain> consoleSecurity) {
        return request -> {
            if (!consoleSecurity.getObject().matches(request)) {
                return null;
            }
            String caller = CallerKey.of(consoleSecurityContextRepository
                    .loadDeferredContext(request)
                    .get()
                    .getAuthentication());
            return caller.isEmpty() ? null : caller;
        };
    }

    @Bean
    @Order(1)
    SecurityFilterChain consoleSecurity(
            HttpSecurity http,
            SecurityContextRepository consoleSecurityContextRepository,
            CsrfTokenRepository consoleCsrfTokenRepository,
            ObjectProvider<ClientRegistrationRepository> registrations,
            ObjectProvider<JwtDecoder> decoders,
            PortfolioAccess access,
            ConsoleProperties properties)
            throws Exception {
        http.securityMatcher(
                        "/console",
                        "/console/**",
                        "/invitations/**",
                        ConsoleWebJars.PATH,
                        "/oauth2/**",
                        "/login/oauth2/**")
                .authorizeHttpRequests(
                        requests -> requests.requestMatchers(SIGN_IN, "/console/assets/**", ConsoleWebJars.PATH)
                                .permitAll()
                                .anyRequest()
                                .authenticated())
                .requestCache(cache -> cache.requestCache(SignInReturn.CACHE))
                .securityContext(context -> context.securityContextRepository(consoleSecurityContextRepository))
                .csrf(csrf -> csrf.csrfTokenRepository(consoleCsrfTokenRepository))
                // The identity provider's sign-in gets a new session, not a new id of the stored one, which a
                // request of the earlier session still under way would write back (see ConsoleSession.start).
                .sessionManagement(session -> session.sessionFixation(fixation -> fixation.migrateSession()))
                .exceptionHandling(exceptions -> exceptions
                        .authenticationEntryPoint(new HtmxRedirects())
                        .accessDeniedHandler(new ConsoleAccessDenied()))
                .logout(logout -> logout.logoutUrl("/console/sign-out")
                        .logoutSuccessUrl(SIGN_IN + "?signedOut")
                        .deleteCookies(ConsoleSession.COOKIE))
                .headers(headers -> headers.contentSecurityPolicy(
                                csp -> csp.policyDirectives(CONSOLE_CONTENT_SECURITY_POLICY))
                        .referrerPolicy(referrer -> referrer.policy(ReferrerPolicy.SAME_ORIGIN)));
        if (registrations.getIfAvailable() != null) {
            HttpSessionOAuth2AuthorizedClientRepository clients = new HttpSessionOAuth2AuthorizedClientRepository();
            IdentityProviderCalls calls = new IdentityProviderCalls(properties);
            http.oauth2Login(login -> login.loginPage(SIGN_IN)
                    .authorizationEndpoint(endpoint -> endpoint.authorizationRequestResolver(
                            new IdentityProviderRequests(registrations.getObject(), properties.chooseAccountPrompt())))
                    .authorizedClientRepository(clients)
                    .tokenEndpoint(token -> token.accessTokenResponseClient(calls.tokenEndpoint()))
                    .userInfoEndpoint(
                            userInfo -> userInfo.userService(calls.userInfo()).oidcUserService(calls.oidcUserInfo()))
                    .successHandler(new IdentityProviderSignIn(
                            clients,
                            decoders.getObject(),
                            access,
                            consoleSecurityContextRepository,
                            properties.sessionTimeout()))
                    .failureHandler(IdentityProviderSignIn.failureHandler())
                    .withObjectPostProcessor(new ObjectPostProcessor<OAuth2AuthorizationRequestRedirectFilter>() {
                        @Override
                        public <O extends OAuth2AuthorizationRequestRedirectFilter> O postProcess(O filter) {
                            filter.setAuthenticationFailureHandler(IdentityProviderSignIn.startFailureHandler());
                            return filter;
                        }
                    }));
        }
        return http.build();
    }
}
