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
 * the secret of that link: {@code BULK_WORKER_TOKEN_SECRET} for its calls to the bulk-worker,
 * {@code BULK_AUDIT_TOKEN_SECRET} for those to the audit-consumer, each {@code BULK_INTERNAL_TOKEN_SECRET}
 * when unset), naming the service it calls as the token's audience; the bulk-worker and the
 * audit-consumer accept a call only with a valid token signed with their {@code BULK_INTERNAL_TOKEN_SECRET}
 * or, while it is being rotated, with the accepted one ({@link SharedKeys}), and naming them. So a
 * token made for one service is no token for the other, even where both links have the same secret.
 * The audience also keeps them apart from users' bearer tokens, even if both were signed with the same
 * secret by mistake.
 *
 * <p>Gateways of the previous version named one audience for both, {@value #PREVIOUS_AUDIENCE}: a token
 * whose only audience that is is accepted too, for the rolling upgrade; one that also names another
 * audience is not. The next version accepts only tokens naming the service itself.
 */
public final class InternalTokens {

    /** The environment variable that holds the shared secret. */
    public static final String SECRET_VARIABLE = SharedKeys.SECRET_VARIABLE;

    /** The {@code aud} of the tokens of the gateway's calls to the bulk-worker, which it accepts. */
    public static final String BULK_WORKER = "bulk-worker";

    /** The {@code aud} of the tokens of the gateway's calls to the audit-consumer, which it accepts. */
    public static final String AUDIT_CONSUMER = "audit-consumer";

    /**
     * The one {@code aud} of every internal token of the previous version, whichever service it was for:
     * accepted by both services, when it is the token's only audience, until the next version.
     */
    public static final String PREVIOUS_AUDIENCE = "portfolio-bulk-internal";

    /** How long a minted token is valid. */
    public static final Duration LIFETIME = Duration.ofSeconds(60);

    /** The clock difference tolerated between services. */
    static final Duration CLOCK_SKEW = Duration.ofSeconds(30);

    private final MACSigner signer;

    private final SharedKeys<MACVerifier> verifiers;

    private final String audience;

    private final String issuer;

    private final Clock clock;

    private InternalTokens(String audience, SharedKeys<byte[]> secrets, String issuer, Clock clock) {
        if (audience == null || audience.isBlank() || audience.equals(PREVIOUS_AUDIENCE)) {
            throw new IllegalArgumentException("An internal token's audience names one service, not " + audience);
        }
        this.audience = audience;
        this.signer = macs(secrets.current(), MACSigner::new);
        this.verifiers = secrets.map(secret -> macs(secret, MACVerifier::new));
        this.issuer = issuer;
        this.clock = clock;
    }

    /**
     * The tokens of calls to the service {@code audience}, signed with {@code secret} and accepted only
     * with it.
     *
     * @param audience the service called, which accepts the tokens: {@link #BULK_WORKER} or
     *     {@link #AUDIT_CONSUMER}
     * @param secret at least 32 bytes
     * @param issuer the service that mints (recorded as {@code iss})
     * @throws IllegalStateException naming {@value #SECRET_VARIABLE} when the secret is missing or short,
     *     so that a service refuses to start rather than run with its internal API open
     */
    public static InternalTokens forAudience(String audience, String secret, String issuer) {
        return forAudience(audience, SharedKeys.of(secret, null), issuer);
    }

    /**
     * The tokens of calls to the service {@code audience}, signed with the current secret and accepted
     * with any of {@code secrets} ({@link SharedKeys#of}, which names the setting of a secret it refuses).
     */
    public static InternalTokens forAudience(String audience, SharedKeys<byte[]> secrets, String issuer) {
        return of(audience, secrets, issuer, Clock.systemUTC());
    }

    static InternalTokens of(String audience, SharedKeys<byte[]> secrets, String issuer, Clock clock) {
        return new InternalTokens(audience, secrets, issuer, clock);
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
                .audience(audience)
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
     * Whether the token is one of ours: HS256, signed with the secret (or the accepted one), whose one
     * audience is this service (or {@value #PREVIOUS_AUDIENCE}, from a gateway of the previous version),
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
            List<String> audiences = claims.getAudience();
            Date expires = claims.getExpirationTime();
            Date issued = claims.getIssueTime();
            return audiences != null
                    && audiences.size() == 1
                    && (audience.equals(audiences.getFirst()) || PREVIOUS_AUDIENCE.equals(audiences.getFirst()))
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
