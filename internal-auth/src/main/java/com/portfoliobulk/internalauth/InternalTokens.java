package com.portfoliobulk.internalauth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.UUID;

/**
 * Short-lived tokens for calls between the services: the api-gateway signs one per call (HS256 with
 * the secret all services share, {@code BULK_INTERNAL_TOKEN_SECRET}), the bulk-worker and the
 * audit-consumer accept a call only with a valid one, signed with that secret or, while it is being
 * rotated, with the accepted one ({@link SharedKeys}). The audience ({@value #AUDIENCE}) keeps them
 * apart from users' bearer tokens, even if both were signed with the same secret by mistake.
 */
public final class InternalTokens {

    /** The environment variable that holds the shared secret. */
    public static final String SECRET_VARIABLE = SharedKeys.SECRET_VARIABLE;

    /** The {@code aud} of every internal token. */
    public static final String AUDIENCE = "portfolio-bulk-internal";

    /** How long a minted token is valid. */
    public static final Duration LIFETIME = Duration.ofSeconds(60);

    /** The clock difference tolerated between services. */
    static final Duration CLOCK_SKEW = Duration.ofSeconds(30);

    private final MACSigner signer;

    private final SharedKeys<MACVerifier> verifiers;

    private final String issuer;

    private final Clock clock;

    private InternalTokens(SharedKeys<byte[]> secrets, String issuer, Clock clock) {
        this.signer = macs(secrets.current(), MACSigner::new);
        this.verifiers = secrets.map(secret -> macs(secret, MACVerifier::new));
        this.issuer = issuer;
        this.clock = clock;
    }

    /**
     * Tokens signed with {@code secret}, and accepted only with it.
     *
     * @param secret the shared secret, at least 32 bytes
     * @param issuer the service that mints (recorded as {@code iss})
     * @throws IllegalStateException naming {@value #SECRET_VARIABLE} when the secret is missing or short,
     *     so that a service refuses to start rather than run with its internal API open
     */
    public static InternalTokens of(String secret, String issuer) {
        return of(secret, null, issuer);
    }

    /**
     * Tokens signed with {@code secret}, and accepted with it or {@code acceptedSecret}.
     *
     * @param acceptedSecret the secret accepted too ({@value SharedKeys#ACCEPTED_VARIABLE}); empty or
     *     {@code null} for none
     * @throws IllegalStateException naming the setting when a secret is refused ({@link SharedKeys#of})
     */
    public static InternalTokens of(String secret, String acceptedSecret, String issuer) {
        return of(SharedKeys.of(secret, acceptedSecret), issuer, Clock.systemUTC());
    }

    static InternalTokens of(SharedKeys<byte[]> secrets, String issuer, Clock clock) {
        return new InternalTokens(secrets, issuer, clock);
    }

    private static <M> M macs(byte[] secret, MacFactory<M> factory) {
        try {
            return factory.of(secret);
        } catch (JOSEException ex) {
            throw new IllegalStateException("Cannot use the internal token secret for HS256", ex);
        }
    }

    private interface MacFactory<M> {
        M of(byte[] secret) throws JOSEException;
    }

    /** A new token, valid for {@link #LIFETIME}. */
    public String mint() {
        Instant now = clock.instant();
        JWTClaimsSet claims = new JWTClaimsSet.Builder()
                .issuer(issuer)
                .audience(AUDIENCE)
                .jwtID(UUID.randomUUID().toString())
                .issueTime(Date.from(now))
                .expirationTime(Date.from(now.plus(LIFETIME)))
                .build();
        SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims);
        try {
            jwt.sign(signer);
        } catch (JOSEException ex) {
            throw new IllegalStateException("Cannot sign an internal token", ex);
        }
        return jwt.serialize();
    }

    /**
     * Whether the token is one of ours: HS256, signed with the shared secret (or the accepted one), for {@value #AUDIENCE},
     * not expired and not issued in the future (both within {@link #CLOCK_SKEW}).
     */
    public boolean isValid(String token) {
        if (token == null || token.isBlank()) {
            return false;
        }
        try {
            SignedJWT jwt = SignedJWT.parse(token);
            if (!JWSAlgorithm.HS256.equals(jwt.getHeader().getAlgorithm())
                    || verifiers.accepting(verifier -> verifies(jwt, verifier)).isEmpty()) {
                return false;
            }
            JWTClaimsSet claims = jwt.getJWTClaimsSet();
            Instant now = clock.instant();
            List<String> audience = claims.getAudience();
            Date expires = claims.getExpirationTime();
            Date issued = claims.getIssueTime();
            return audience != null
                    && audience.contains(AUDIENCE)
                    && expires != null
                    && now.minus(CLOCK_SKEW).isBefore(expires.toInstant())
                    && issued != null
                    && !issued.toInstant().isAfter(now.plus(CLOCK_SKEW))
                    && Duration.between(issued.toInstant(), expires.toInstant()).compareTo(LIFETIME) <= 0;
        } catch (ParseException | RuntimeException notOurs) {
            return false;
        }
    }

    private static boolean verifies(SignedJWT jwt, MACVerifier verifier) {
        try {
            return jwt.verify(verifier);
        } catch (JOSEException notOurs) {
            return false;
        }
    }
}
