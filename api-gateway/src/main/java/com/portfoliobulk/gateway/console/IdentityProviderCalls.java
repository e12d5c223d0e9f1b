package com.portfoliobulk.gateway.console;

import java.net.http.HttpClient;
import java.time.Duration;
import org.springframework.http.client.JdkClientHttpRequestFactory;
import org.springframework.http.client.SimpleClientHttpRequestFactory;
import org.springframework.http.converter.FormHttpMessageConverter;
import org.springframework.security.oauth2.client.endpoint.OAuth2AccessTokenResponseClient;
import org.springframework.security.oauth2.client.endpoint.OAuth2AuthorizationCodeGrantRequest;
import org.springframework.security.oauth2.client.endpoint.RestClientAuthorizationCodeTokenResponseClient;
import org.springframework.security.oauth2.client.http.OAuth2ErrorResponseErrorHandler;
import org.springframework.security.oauth2.client.oidc.authentication.OidcIdTokenDecoderFactory;
import org.springframework.security.oauth2.client.oidc.authentication.OidcIdTokenValidator;
import org.springframework.security.oauth2.client.oidc.userinfo.OidcUserService;
import org.springframework.security.oauth2.client.registration.ClientRegistration;
import org.springframework.security.oauth2.client.userinfo.DefaultOAuth2UserService;
import org.springframework.security.oauth2.core.http.converter.OAuth2AccessTokenResponseHttpMessageConverter;
import org.springframework.security.oauth2.jose.jws.SignatureAlgorithm;
import org.springframework.security.oauth2.jwt.JwtDecoderFactory;
import org.springframework.security.oauth2.jwt.JwtValidators;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;
import org.springframework.util.StringUtils;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.RestTemplate;

/**
 * The calls the gateway makes to the identity provider while a browser waits at the end of its sign-in
 * ({@code /login/oauth2/code/{registrationId}}): the exchange of the code at the token endpoint and the
 * request for user info (always with OAuth 2.0, with OpenID Connect when the token grants {@code email}
 * or {@code profile}). Spring Security makes both without a time limit, so a provider that took the
 * connection and never answered held the browser, and a request thread of the gateway, for good. Here
 * each has {@code bulk.gateway.console.identity-provider-connect-timeout} to connect and
 * {@code .identity-provider-read-timeout} to answer; a call past either fails as an outage of the
 * provider (a {@code ResourceAccessException}), which the sign-in page says cannot be reached right now
 * ({@link IdentityProviderSignIn#failureHandler}). Everything else is Spring Security's own: the
 * message converters and error handlers that read the provider's answers and its OAuth 2.0 errors.
 *
 * <p>The same time limits bound the other fetches from the provider, for which Spring Security has its
 * own 30 s to connect and 30 s to answer: those of its key set and, with {@code issuer-uri} alone, of its
 * configuration, made to check bearer tokens ({@link #keySet}), which Spring Security makes one at a time,
 * so a key-set endpoint that took the request and never answered held each token that needed it that
 * long; and at a sign-in, the fetch of the key set that checks an OpenID Connect ID token ({@link
 * #idTokens}), which held the browser's sign-in that long. The fetch of the configuration of a sign-in's
 * provider given by its issuer is Spring Security's own, with its own limits; the sign-in waits for it
 * only as long as both of these ({@link ConsoleIdentityProviders}).
 */
final class IdentityProviderCalls {

    private final Duration connectTimeout;

    private final Duration readTimeout;

    IdentityProviderCalls(ConsoleProperties properties) {
        this.connectTimeout = properties.identityProviderConnectTimeout();
        this.readTimeout = properties.identityProviderReadTimeout();
    }

    /**
     * The token endpoint's client: Spring Security's {@link RestClientAuthorizationCodeTokenResponseClient},
     * whose {@code RestClient} is built as Spring Security builds it, over the JDK's HTTP client as before,
     * with the time limits.
     */
    OAuth2AccessTokenResponseClient<OAuth2AuthorizationCodeGrantRequest> tokenEndpoint() {
        JdkClientHttpRequestFactory requests = new JdkClientHttpRequestFactory(
                HttpClient.newBuilder().connectTimeout(connectTimeout).build());
        requests.setReadTimeout(readTimeout);
        RestClientAuthorizationCodeTokenResponseClient client = new RestClientAuthorizationCodeTokenResponseClient();
        client.setRestClient(RestClient.builder()
                .requestFactory(requests)
                .configureMessageConverters(converters -> {
                    converters.addCustomConverter(new FormHttpMessageConverter());
                    converters.addCustomConverter(new OAuth2AccessTokenResponseHttpMessageConverter());
                })
                .defaultStatusHandler(new OAuth2ErrorResponseErrorHandler())
                .build());
        return client;
    }

    /**
     * The client of the bearer-token decoder's fetches of the key set and the configuration: Spring
     * Security's own, a {@link RestTemplate} over the JDK's {@code HttpURLConnection}, with the time limits.
     */
    RestTemplate keySet() {
        SimpleClientHttpRequestFactory requests = new SimpleClientHttpRequestFactory();
        requests.setConnectTimeout(connectTimeout);
        requests.setReadTimeout(readTimeout);
        return new RestTemplate(requests);
    }

    /**
     * The decoders of the ID tokens of OpenID Connect sign-ins: Spring Security's ({@link
     * OidcIdTokenDecoderFactory}: RS256, with the keys of the provider's key set, its claims converted and
     * validated as Spring Security does), whose key set is fetched with the time limits. A registration
     * without a key set is left to Spring Security's, which says so.
     */
    JwtDecoderFactory<ClientRegistration> idTokens() {
        OidcIdTokenDecoderFactory spring = new OidcIdTokenDecoderFactory();
        RestTemplate keySet = keySet();
        return registration -> {
            String jwkSetUri = registration.getProviderDetails().getJwkSetUri();
            if (!StringUtils.hasText(jwkSetUri)) {
                return spring.createDecoder(registration);
            }
            NimbusJwtDecoder decoder = NimbusJwtDecoder.withJwkSetUri(jwkSetUri)
                    .jwsAlgorithm(SignatureAlgorithm.RS256)
                    .restOperations(keySet)
                    .build();
            decoder.setJwtValidator(JwtValidators.createDefaultWithValidators(new OidcIdTokenValidator(registration)));
            decoder.setClaimSetConverter(OidcIdTokenDecoderFactory.createDefaultClaimTypeConverter());
            return decoder;
        };
    }

    /** The user info of an OAuth 2.0 sign-in: Spring Security's service, with the time limits. */
    DefaultOAuth2UserService userInfo() {
        SimpleClientHttpRequestFactory requests = new SimpleClientHttpRequestFactory();
        requests.setConnectTimeout(connectTimeout);
        requests.setReadTimeout(readTimeout);
        RestTemplate rest = new RestTemplate(requests);
        rest.setErrorHandler(new OAuth2ErrorResponseErrorHandler());
        DefaultOAuth2UserService users = new DefaultOAuth2UserService();
        users.setRestOperations(rest);
        return users;
    }

    /** The user info of an OpenID Connect sign-in, when Spring Security asks for it, with the time limits. */
    OidcUserService oidcUserInfo() {
        OidcUserService users = new OidcUserService();
        users.setOauth2UserService(userInfo());
        return users;
    }
}
