package com.portfoliobulk.testsupport;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Mints HS256 bearer tokens as the local and test setups accept them, signed with the development
 * secret (or any other), with the claims the gateway reads: {@code sub}, {@code email}, {@code portfolios}.
 */
public final class TestTokens {

    /** The development default of {@code BULK_JWT_SECRET}. */
    public static final String DEVELOPMENT_SECRET = "local-development-secret-change-me-0123456789";

    /** The internal token secret of the test setup ({@code bulk.internal-auth.token-secret}). */
    public static final String INTERNAL_SECRET = "test-internal-token-secret-0123456789abcdef";

    /**
     * A secret the services of some test contexts accept too ({@code bulk.internal-auth.accepted-token-secret}),
     * as while the internal token secret is rotated: the one they had before, or will have after.
     */
    public static final String ACCEPTED_INTERNAL_SECRET = "test-accepted-internal-token-secret-0123456789";

    /** {@code bulk.internal-auth.accepted-token-secret} set to {@link #ACCEPTED_INTERNAL_SECRET}, for a test's properties. */
    public static final String ACCEPTED_INTERNAL_SECRET_PROPERTY =
            "bulk.internal-auth.accepted-token-secret=" + ACCEPTED_INTERNAL_SECRET;

    private TestTokens() {}

    /** The audience of the internal tokens of calls to the bulk-worker, which it accepts. */
    public static final String WORKER_AUDIENCE = "bulk-worker";

    /** The audience of the internal tokens of calls to the audit-consumer, which it accepts. */
    public static final String AUDIT_AUDIENCE = "audit-consumer";

    /** {@code Bearer <a valid internal token for a call to the bulk-worker>}, for calling its internal API directly. */
    public static String workerAuthorization() {
        return internalAuthorization(INTERNAL_SECRET, WORKER_AUDIENCE);
    }

    /** {@code Bearer <a valid internal token for a call to the audit-consumer>}, for calling its API directly. */
    public static String auditAuthorization() {
        return internalAuthorization(INTERNAL_SECRET, AUDIT_AUDIENCE);
    }

    /**
     * {@code Bearer <an internal token signed with secret>}, valid 60 seconds, naming {@code audiences}
     * ({@code aud}; none: without one), as the gateway's and the operators' script's are made.
     */
    public static String internalAuthorization(String secret, String... audiences) {
        Instant now = Instant.now();
        JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder()
                .issuer("test")
                .jwtID(UUID.randomUUID().toString())
                .issueTime(Date.from(now))
                .expirationTime(Date.from(now.plusSeconds(60)));
        if (audiences.length > 0) {
            claims.audience(List.of(audiences));
        }
        SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims.build());
        try {
            jwt.sign(new MACSigner(secret.getBytes(StandardCharsets.UTF_8)));
        } catch (JOSEException ex) {
            throw new IllegalArgumentException("Cannot sign with that secret (HS256 needs at least 32 bytes)", ex);
        }
        return "Bearer " + jwt.serialize();
    }

    /** A token valid for an hour, granting {@code permissions} on {@code portfolioId}. */
    public static String token(UUID userId, String email, UUID portfolioId, String... permissions) {
        return sign(
                DEVELOPMENT_SECRET,
                userId,
                email,
                Map.of(portfolioId.toString(), List.of(permissions)),
                Instant.now().plus(Duration.ofHours(1)));
    }

    /**
     * A token of no portfolio whose {@code email_verified} claim says whether the identity provider
     * verified the address.
     */
    public static String withEmailVerified(UUID userId, String email, boolean verified) {
        return sign(
                DEVELOPMENT_SECRET,
                userId.toString(),
                email,
                Map.of(),
                Instant.now().plus(Duration.ofHours(1)),
                Map.of("email_verified", verified));
    }

    /**
     * A token valid for an hour, granting {@code permissions} on {@code portfolioId}, whose {@code sub} is
     * {@code subject} as given: identity providers name people by ids of their own, often no UUID
     * (Auth0's {@code auth0|...}, Google's digits, Okta's {@code 00u...}).
     */
    public static String withSubject(String subject, String email, UUID portfolioId, String... permissions) {
        return sign(
                DEVELOPMENT_SECRET,
                subject,
                email,
                Map.of(portfolioId.toString(), List.of(permissions)),
                Instant.now().plus(Duration.ofHours(1)),
                Map.of());
    }

    /** A token with any portfolios claim, expiry and secret. */
    public static String sign(
            String secret, UUID userId, String email, Map<String, List<String>> portfolios, Instant expiresAt) {
        return sign(secret, userId.toString(), email, portfolios, expiresAt, Map.of());
    }

    private static String sign(
            String secret,
            String subject,
            String email,
            Map<String, List<String>> portfolios,
            Instant expiresAt,
            Map<String, Object> otherClaims) {
        JWTClaimsSet.Builder builder = new JWTClaimsSet.Builder()
                .subject(subject)
                .claim("email", email)
                .claim("portfolios", portfolios)
                .issueTime(new Date())
                .expirationTime(Date.from(expiresAt));
        otherClaims.forEach(builder::claim);
        JWTClaimsSet claims = builder.build();
        SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims);
        try {
            jwt.sign(new MACSigner(secret.getBytes(StandardCharsets.UTF_8)));
        } catch (JOSEException ex) {
            throw new IllegalArgumentException("Cannot sign with that secret (HS256 needs at least 32 bytes)", ex);
        }
        return jwt.serialize();
    }
}
