package com.portfoliobulk.gateway.security;

import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.RemoteKeySourceException;
import com.nimbusds.jwt.JWTParser;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.locks.ReentrantLock;
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
 * the API answered every token 500 "Internal error", a token that is no JWT too. It is this decoder
 * wherever the gateway checks a token with it, the API's and a console sign-in's access token alike
 * ({@link SecurityConfiguration#issuerDiscovery}).
 *
 * <p>Here, while the decoder has not been built, a token that is no JWT is refused first ({@link
 * BadJwtException}, 401), before any fetch; and a fetch that fails because the provider cannot be reached
 * ({@link IdentityProviderOutages#of}) is reported as the key set's outage is once the decoder is built, a
 * {@link JwtException} caused by a {@link KeySourceException}: the API answers it 503 with {@code
 * Retry-After} ({@link ProblemResponses#bearerTokenFailureHandler}). Any other failure of the fetch, a
 * provider that answers but publishes no configuration, one that cannot be read, or one for another
 * issuer, is a {@link JwtException} caused by an {@link IssuerConfigurationException}, also answered 503
 * with {@code Retry-After}: the gateway cannot check tokens right now, which is no fault of the client's
 * (it was answered 500 "Internal error"); the WARN line of each names what is wrong, for the operator to
 * correct the settings or the provider, and the next fetch after {@link #RETRY_INTERVAL} finds it mended.
 *
 * <p>A fetch that failed is remembered for {@link #RETRY_INTERVAL} (the {@code Retry-After} of the 503):
 * Spring's decoder fetches holding its lock, so every token waiting behind a fetch under way then had
 * its own fetch, one after another, each as long as the provider took to fail (the read timeout, for an
 * issuer that takes the request and never answers): the k-th token waited k times that. Now the tokens
 * waiting, and those coming meanwhile, get the failure just met at once, and the first token after that
 * time fetches again, so tokens work again up to that long after the provider answers.
 */
final class IssuerDiscoveryDecoder implements JwtDecoder {

    /** How long a failed fetch is given to tokens instead of fetching again: the 503's {@code Retry-After}. */
    static final Duration RETRY_INTERVAL = KeySetCache.UNKNOWN_KEY_REFETCH_INTERVAL;

    private final JwtDecoder decoder;

    private final Clock clock;

    /** Held while the decoder is built, so that one token fetches and those waiting get its outcome. */
    private final ReentrantLock building = new ReentrantLock();

    /** Whether the wrapped decoder has been built: its own failures are then those of a token. */
    private volatile boolean built;

    /** The last fetch that failed, given to tokens until its time ends; guarded by {@link #building}. */
    private Failure failed;

    IssuerDiscoveryDecoder(JwtDecoder decoder, Clock clock) {
        this.decoder = decoder;
        this.clock = clock;
    }

    @Override
    public Jwt decode(String token) throws JwtException {
        if (built) {
            return decoder.decode(token);
        }
        try {
            JWTParser.parse(token);
        } catch (ParseException ex) {
            // As the built decoder words it.
            throw new BadJwtException("An error occurred while attempting to decode the Jwt: " + ex.getMessage(), ex);
        }
        building.lock();
        try {
            if (!built) {
                return build(token);
            }
        } finally {
            building.unlock();
        }
        return decoder.decode(token);
    }

    /** Decodes the token with the decoder not built yet, which builds it; holding {@link #building}. */
    private Jwt build(String token) {
        if (failed != null) {
            if (clock.instant().isBefore(failed.until())) {
                throw failed.again();
            }
            failed = null;
        }
        try {
            Jwt jwt = decoder.decode(token);
            built = true;
            return jwt;
        } catch (JwtException ex) {
            built = true;
            throw ex;
        } catch (JwtDecoderInitializationException ex) {
            // Counted from when the fetch failed, which may have taken the whole read timeout.
            Instant until = clock.instant().plus(RETRY_INTERVAL);
            Throwable outage = IdentityProviderOutages.of(ex);
            if (outage == null) {
                IssuerConfigurationException configuration =
                        new IssuerConfigurationException(ex.getCause() != null ? ex.getCause() : ex);
                failed = new Failure(configuration.getMessage(), configuration, until);
            } else {
                KeySourceException keySet = outage instanceof KeySourceException fetching
                        ? fetching
                        : new RemoteKeySourceException(
                                "The identity provider's configuration could not be fetched from its issuer", outage);
                failed = new Failure(
                        "The identity provider's key set cannot be fetched: " + keySet.getMessage(), keySet, until);
            }
            throw failed.again();
        }
    }

    /** A fetch that failed: the message and cause of the token's failure, and until when it is given. */
    private record Failure(String message, Throwable cause, Instant until) {

        /** The failure, as a new exception for each token given it. */
        JwtException again() {
            return new JwtException(message, cause);
        }
    }
}
