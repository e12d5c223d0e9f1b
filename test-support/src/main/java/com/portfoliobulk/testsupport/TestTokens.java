package com.portfoliobulk.testsupport;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.portfoliobulk.internalauth.InternalTokens;
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

    /** Mints and verifies internal tokens as the services of the test setup do. */
    public static InternalTokens internalTokens() {
        return InternalTokens.of(INTERNAL_SECRET, "test");
    }

    /** {@code Bearer <a valid internal token>}, for calling an internal API directly. */
    public static String internalAuthorization() {
        return "Bearer " + internalTokens().mint();
    }

    /** {@code Bearer <an internal token signed with secret>}. */
    public static String internalAuthorization(String secret) {
        return "Bearer " + InternalTokens.of(secret, "test").mint();
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
