package com.portfoliobulk.gateway.security;

import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.RemoteKeySourceException;
import com.nimbusds.jwt.JWTParser;
import java.text.ParseException;
import org.springframework.security.oauth2.jwt.BadJwtException;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtDecoderInitializationException;
import org.springframework.security.oauth2.jwt.JwtException;

/**
 * The API's decoder when Spring Boot builds it from {@code issuer-uri} alone (a {@code
 * SupplierJwtDecoder}): that one fetches the identity provider's configuration (its OpenID Connect
 * discovery document) and key set at the first token it is given, not while the gateway starts, and at
 * every token after until the fetch succeeds. A fetch that fails Spring reports as no failure to check a
 * token at all ({@link JwtDecoderInitializationException}, which the security filters let through), so
 * the API answered every token 500 "Internal error", a token that is no JWT too.
 *
 * <p>Here, while the decoder has not been built, a token that is no JWT is refused first ({@link
 * BadJwtException}, 401), before any fetch; and a fetch that fails because the provider cannot be reached
 * ({@link IdentityProviderOutages#of}) is reported as the key set's outage is once the decoder is built, a
 * {@link JwtException} caused by a {@link KeySourceException}: the API answers it 503 with {@code
 * Retry-After} ({@link ProblemResponses#bearerTokenFailureHandler}), and the next token tries again. Any
 * other failure of the fetch (a provider that publishes no configuration, or one for another issuer) is
 * left as it is: only the settings can mend it.
 */
final class IssuerDiscoveryDecoder implements JwtDecoder {

    private final JwtDecoder decoder;

    /** Whether the wrapped decoder has been built: its own failures are then those of a token. */
    private volatile boolean built;

    IssuerDiscoveryDecoder(JwtDecoder decoder) {
        this.decoder = decoder;
    }

    @Override
    public Jwt decode(String token) throws JwtException {
        if (!built) {
            try {
                JWTParser.parse(token);
            } catch (ParseException ex) {
                // As the built decoder words it.
                throw new BadJwtException(
                        "An error occurred while attempting to decode the Jwt: " + ex.getMessage(), ex);
            }
        }
        try {
            Jwt jwt = decoder.decode(token);
            built = true;
            return jwt;
        } catch (JwtException ex) {
            built = true;
            throw ex;
        } catch (JwtDecoderInitializationException ex) {
            Throwable outage = IdentityProviderOutages.of(ex);
            if (outage == null) {
                throw ex;
            }
            KeySourceException keySet = outage instanceof KeySourceException fetching
                    ? fetching
                    : new RemoteKeySourceException(
                            "The identity provider's configuration could not be fetched from its issuer", outage);
            throw new JwtException("The identity provider's key set cannot be fetched: " + keySet.getMessage(), keySet);
        }
    }
}
