package com.portfoliobulk.internalauth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.nio.charset.StandardCharsets;
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
 * audit-consumer accept a call only with a valid one. The audience ({@value #AUDIENCE}) keeps them
 * apart from users' bearer tokens, even if both were signed with the same secret by mistake.
 */
public final class InternalTokens {

    /** The environment variable that holds the shared secret. */
    public static final String SECRET_VARIABLE = "BULK_INTERNAL_TOKEN_SECRET";

    /** The {@code aud} of every internal token. */
    public static final String AUDIENCE = "portfolio-bulk-internal";

    /** How long a minted token is valid. */
    public static final Duration LIFETIME = Duration.ofSeconds(60);

    /** The clock difference tolerated between services. */
    static final Duration CLOCK_SKEW = Duration.ofSeconds(30);

    private static final int MIN_SECRET_BYTES = 32;

    private final byte[] secret;

    private final String issuer;

    private final Clock clock;

    private InternalTokens(byte[] secret, String issuer, Clock clock) {
        this.secret = secret;
        this.issuer = issuer;
        this.clock = clock;
    }

    /**
     * @param secret the shared secret, at least 32 bytes
     * @param issuer the service that mints (recorded as {@code iss})
     * @throws IllegalStateException naming {@value #SECRET_VARIABLE} when the secret is missing or short,
     *     so that a service refuses to start rather than run with its internal API open
     */
    public static InternalTokens of(String secret, String issuer) {
        return of(secret, issuer, Clock.systemUTC());
    }

    static InternalTokens of(String secret, String issuer, Clock clock) {
        if (secret == null || secret.isBlank()) {
            throw new IllegalStateException("Set " + SECRET_VARIABLE
                    + " (bulk.internal-auth.token-secret): the secret, shared by all services, that signs"
                    + " their calls to each other; at least " + MIN_SECRET_BYTES + " bytes.");
        }
        byte[] bytes = secret.getBytes(StandardCharsets.UTF_8);
        if (bytes.length < MIN_SECRET_BYTES) {
            throw new IllegalStateException(SECRET_VARIABLE + " (bulk.internal-auth.token-secret) must be at least "
                    + MIN_SECRET_BYTES + " bytes long; it is " + bytes.length + ".");
        }
        return new InternalTokens(bytes, issuer, clock);
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
            jwt.sign(new MACSigner(secret));
        } catch (JOSEException ex) {
            throw new IllegalStateException("Cannot sign an internal token", ex);
        }
        return jwt.serialize();
    }

    /**
     * Whether the token is one of ours: HS256, signed with the shared secret, for {@value #AUDIENCE},
     * not expired and not issued in the future (both within {@link #CLOCK_SKEW}).
     */
    public boolean isValid(String token) {
        if (token == null || token.isBlank()) {
            return false;
        }
        try {
            SignedJWT jwt = SignedJWT.parse(token);
            if (!JWSAlgorithm.HS256.equals(jwt.getHeader().getAlgorithm()) || !jwt.verify(new MACVerifier(secret))) {
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
        } catch (ParseException | JOSEException | RuntimeException notOurs) {
            return false;
        }
    }
}
