package com.portfoliobulk.gateway.security;

import com.nimbusds.jose.KeySourceException;
import org.springframework.web.client.HttpServerErrorException;
import org.springframework.web.client.ResourceAccessException;

/**
 * Tells an outage of the identity provider from a refusal, among the causes of a failure to check a
 * token or to finish a sign-in: the API answers the first 503 rather than 401 or 500 ({@link
 * ProblemResponses#bearerTokenFailureHandler}), the console's sign-in says the provider cannot be
 * reached rather than that the sign-in was not accepted. Spring Security reports both the same way (a
 * {@code JwtException}, an {@code OAuth2AuthenticationException}); only the cause tells them apart. A
 * configuration of the provider that cannot be used ({@link #issuerConfiguration}) is neither: the API
 * answers it 503 as an outage, the console's sign-in says to tell the administrator.
 */
public final class IdentityProviderOutages {

    private IdentityProviderOutages() {}

    /**
     * The failure to get the identity provider's key set among the causes of {@code exception} (its
     * endpoint is down, answers an error or no key set, or does not answer in time); null when there is
     * none.
     */
    public static KeySourceException keySet(Throwable exception) {
        for (Throwable cause = exception.getCause(); cause != null; cause = cause.getCause()) {
            if (cause instanceof KeySourceException keySet) {
                return keySet;
            }
        }
        return null;
    }

    /**
     * The configuration of the identity provider that cannot be used, among the causes of {@code
     * exception}; null when there is none.
     */
    public static IssuerConfigurationException issuerConfiguration(Throwable exception) {
        for (Throwable cause = exception.getCause(); cause != null; cause = cause.getCause()) {
            if (cause instanceof IssuerConfigurationException configuration) {
                return configuration;
            }
        }
        return null;
    }

    /**
     * The outage among the causes of {@code exception}: the key set could not be fetched ({@link
     * #keySet}), or another endpoint of the identity provider (the token endpoint exchanging a sign-in's
     * code, user info) did not answer or not in time, or answered a server error (5xx); null when there
     * is none, as for a token or code the provider or the API refuses.
     */
    public static Throwable of(Throwable exception) {
        KeySourceException keySet = keySet(exception);
        if (keySet != null) {
            return keySet;
        }
        for (Throwable cause = exception.getCause(); cause != null; cause = cause.getCause()) {
            if (cause instanceof ResourceAccessException || cause instanceof HttpServerErrorException) {
                return cause;
            }
        }
        return null;
    }
}
