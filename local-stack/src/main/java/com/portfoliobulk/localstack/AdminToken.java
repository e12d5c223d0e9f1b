package com.portfoliobulk.localstack;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The demo administrator's bearer token: HS256, signed with the local run's secret, with the claims
 * the gateway reads ({@code sub}, {@code email}, {@code portfolios}).
 */
final class AdminToken {

    private AdminToken() {}

    static String mint(
            String secret, UUID userId, String email, Map<String, List<String>> portfolios, Instant expiresAt) {
        SignedJWT jwt = new SignedJWT(
                new JWSHeader(JWSAlgorithm.HS256),
                new JWTClaimsSet.Builder()
                        .subject(userId.toString())
                        .claim("email", email)
                        .claim("portfolios", portfolios)
                        .issueTime(new Date())
                        .expirationTime(Date.from(expiresAt))
                        .build());
        try {
            jwt.sign(new MACSigner(secret.getBytes(StandardCharsets.UTF_8)));
            return jwt.serialize();
        } catch (JOSEException ex) {
            throw new IllegalStateException("BULK_JWT_SECRET cannot sign HS256 tokens (it needs 32 bytes or more)", ex);
        }
    }
}
