package com.portfoliobulk.gateway.security;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import com.portfoliobulk.testsupport.TestTokens;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;

/** Tokens of every shape, valid or not, for the token validation tests. */
final class Jwts {

    private Jwts() {}

    /** The claims of a valid token granting {@code permission} on the portfolio, to adjust. */
    static JWTClaimsSet.Builder claims(UUID portfolioId, String permission) {
        return new JWTClaimsSet.Builder()
                .subject(UUID.randomUUID().toString())
                .claim("email", "caller@agency.example")
                .claim("portfolios", Map.of(portfolioId.toString(), List.of(permission)))
                .issueTime(new Date())
                .expirationTime(Date.from(Instant.now().plusSeconds(600)));
    }

    /** HS256 with the test setup's secret. */
    static String hs256(JWTClaimsSet.Builder claims) {
        return sign(new JWSHeader(JWSAlgorithm.HS256), claims, macSigner(TestTokens.DEVELOPMENT_SECRET));
    }

    /** HS256 with the test setup's secret, after {@code adjust}. */
    static String hs256(UUID portfolioId, Consumer<JWTClaimsSet.Builder> adjust) {
        JWTClaimsSet.Builder claims = claims(portfolioId, "OWNER");
        adjust.accept(claims);
        return hs256(claims);
    }

    static String rs256(RSAKey key, JWTClaimsSet.Builder claims) {
        try {
            return sign(
                    new JWSHeader.Builder(JWSAlgorithm.RS256)
                            .keyID(key.getKeyID())
                            .build(),
                    claims,
                    new RSASSASigner(key));
        } catch (JOSEException ex) {
            throw new IllegalStateException(ex);
        }
    }

    /** An unsigned token ({@code "alg":"none"}). */
    static String unsigned(JWTClaimsSet.Builder claims) {
        return new PlainJWT(claims.build()).serialize();
    }

    static JWSSigner macSigner(String secret) {
        try {
            return new MACSigner(secret.getBytes(StandardCharsets.UTF_8));
        } catch (JOSEException ex) {
            throw new IllegalStateException(ex);
        }
    }

    private static String sign(JWSHeader header, JWTClaimsSet.Builder claims, JWSSigner signer) {
        SignedJWT jwt = new SignedJWT(header, claims.build());
        try {
            jwt.sign(signer);
        } catch (JOSEException ex) {
            throw new IllegalStateException(ex);
        }
        return jwt.serialize();
    }
}
