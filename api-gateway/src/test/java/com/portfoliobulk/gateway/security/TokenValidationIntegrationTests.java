package com.portfoliobulk.gateway.security;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.portfoliobulk.gateway.support.GatewayCalls.Answer;
import com.portfoliobulk.gateway.support.GatewayIntegrationTest;
import java.time.Instant;
import java.util.Date;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Which bearer tokens the test setup (HS256 with the development secret) accepts: signed with the
 * secret, naming the caller, unexpired (60 seconds of clock skew allowed). Anything else is a 401.
 */
class TokenValidationIntegrationTests extends GatewayIntegrationTest {

    private UUID portfolio;

    @BeforeEach
    void arrange() {
        portfolio = directory.portfolio().id();
    }

    @Test
    void aValidTokenIsAccepted() {
        assertThat(accounts(Jwts.hs256(Jwts.claims(portfolio, "OWNER"))).status())
                .isEqualTo(200);
    }

    @Test
    void aTokenExpiredWithinTheClockSkewIsStillAccepted() {
        String justExpired = Jwts.hs256(portfolio, claims -> expiredSecondsAgo(claims, 20));

        Answer answer = accounts(justExpired);
        assertThat(answer.status()).as(answer.text()).isEqualTo(200);
    }

    @Test
    void aTokenExpiredBeyondTheClockSkewIsRefused() {
        assertUnauthorized(Jwts.hs256(portfolio, claims -> expiredSecondsAgo(claims, 120)));
    }

    @Test
    void aTokenNotValidYetIsRefused() {
        assertUnauthorized(Jwts.hs256(
                portfolio,
                claims -> claims.notBeforeTime(Date.from(Instant.now().plusSeconds(600)))));
    }

    @Test
    void aTokenThatNeverExpiresIsRefused() {
        assertUnauthorized(Jwts.hs256(portfolio, claims -> claims.expirationTime(null)));
    }

    @Test
    void aTokenThatDoesNotNameItsCallerIsRefused() {
        assertUnauthorized(Jwts.hs256(portfolio, claims -> claims.subject(null)));
        assertUnauthorized(Jwts.hs256(portfolio, claims -> claims.claim("email", null)));
        assertUnauthorized(Jwts.hs256(portfolio, claims -> claims.claim("email", " ")));
    }

    @Test
    void tokensNotSignedWithTheSecretAreRefused() throws JOSEException {
        RSAKey someKey = new RSAKeyGenerator(2048).keyID("k1").generate();

        assertUnauthorized(Jwts.unsigned(Jwts.claims(portfolio, "OWNER")));
        assertUnauthorized(Jwts.rs256(someKey, Jwts.claims(portfolio, "OWNER")));
        String valid = Jwts.hs256(Jwts.claims(portfolio, "OWNER"));
        assertUnauthorized(valid.substring(0, valid.lastIndexOf('.') + 1) + "AAAA");
        assertUnauthorized("not-a-jwt");
    }

    @Test
    void aTokenWithClaimsOfTheWrongShapeGrantsNothing() {
        assertProblem(accounts(Jwts.hs256(portfolio, claims -> claims.claim("portfolios", "OWNER"))), 403);
        assertProblem(accounts(Jwts.hs256(portfolio, claims -> claims.subject("not-a-uuid"))), 403);
    }

    private static void expiredSecondsAgo(JWTClaimsSet.Builder claims, long seconds) {
        claims.issueTime(Date.from(Instant.now().minusSeconds(3600)))
                .expirationTime(Date.from(Instant.now().minusSeconds(seconds)));
    }

    private Answer accounts(String token) {
        return api.get(token, "/api/v1/portfolios/" + portfolio + "/accounts");
    }

    private void assertUnauthorized(String token) {
        Answer answer = accounts(token);
        assertProblem(answer, 401);
        assertThat(answer.header("WWW-Authenticate")).startsWith("Bearer");
    }
}
