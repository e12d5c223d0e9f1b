package com.portfoliobulk.internalauth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import jakarta.servlet.http.HttpServletResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Date;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockFilterChain;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

class InternalTokensTests {

    private static final String SECRET = "internal-secret-for-tests-0123456789abcdef";

    private static final Instant NOW = Instant.parse("2026-01-01T12:00:00Z");

    private final InternalTokens tokens = at(NOW, SECRET);

    @Test
    void acceptsItsOwnTokensUntilTheyExpire() {
        String token = tokens.mint();

        assertThat(tokens.isValid(token)).isTrue();
        assertThat(at(NOW.plus(InternalTokens.LIFETIME).plusSeconds(20), SECRET).isValid(token))
                .as("within the clock skew")
                .isTrue();
        assertThat(at(NOW.plus(InternalTokens.LIFETIME).plus(InternalTokens.CLOCK_SKEW), SECRET)
                        .isValid(token))
                .as("expired")
                .isFalse();
        assertThat(at(NOW.minus(Duration.ofMinutes(5)), SECRET).isValid(token))
                .as("issued in the future")
                .isFalse();
    }

    @Test
    void refusesTokensOfAnotherSecretOrKindAndGarbage() {
        String other = at(NOW, SECRET + "-other").mint();

        assertThat(tokens.isValid(other)).isFalse();
        assertThat(tokens.isValid(null)).isFalse();
        assertThat(tokens.isValid("")).isFalse();
        assertThat(tokens.isValid("not.a.jwt")).isFalse();
        String token = tokens.mint();
        String tampered = token.substring(0, token.length() - 2) + (token.endsWith("A") ? "BB" : "AA");
        assertThat(tokens.isValid(tampered)).isFalse();
    }

    /**
     * Each service accepts only the tokens naming it: one the gateway signed for the audit-consumer is
     * no token for the bulk-worker, though the two links had the same secret. A token of a gateway of
     * the previous version, whose only audience is the one both services shared, is accepted by both
     * during the upgrade; one naming that audience and another service too is not.
     */
    @Test
    void acceptsOnlyTokensNamingItselfOrThePreviousVersionsSharedAudienceAlone() throws Exception {
        InternalTokens audit = at(NOW, InternalTokens.AUDIT_CONSUMER, SECRET, "");

        assertThat(tokens.isValid(audit.mint()))
                .as("the audit-consumer's token at the worker")
                .isFalse();
        assertThat(audit.isValid(tokens.mint()))
                .as("the worker's token at the audit-consumer")
                .isFalse();
        assertThat(audit.isValid(audit.mint())).isTrue();
        assertThat(tokens.isValid(signed(SECRET, InternalTokens.BULK_WORKER))).isTrue();
        String previous = signed(SECRET, InternalTokens.PREVIOUS_AUDIENCE);
        assertThat(tokens.isValid(previous)).as("a previous version's token").isTrue();
        assertThat(audit.isValid(previous)).as("a previous version's token").isTrue();
        assertThat(tokens.isValid(signed(SECRET, InternalTokens.PREVIOUS_AUDIENCE, InternalTokens.AUDIT_CONSUMER)))
                .as("the previous audience and another service")
                .isFalse();
        assertThat(tokens.isValid(signed(SECRET, InternalTokens.BULK_WORKER, InternalTokens.AUDIT_CONSUMER)))
                .as("both services")
                .isFalse();
        assertThat(tokens.isValid(signed(SECRET))).as("no audience").isFalse();
        assertThatThrownBy(() -> at(NOW, InternalTokens.PREVIOUS_AUDIENCE, SECRET, ""))
                .as("nothing mints for the previous audience any more")
                .isInstanceOf(IllegalArgumentException.class);
    }

    /** The secret of one of the gateway's links is refused, by its own name, when shorter than 32 bytes. */
    @Test
    void aLinksSecretIsRefusedByItsOwnName() {
        String setting = "BULK_WORKER_TOKEN_SECRET (bulk.internal-auth.worker-token-secret)";

        assertThatThrownBy(() -> SharedKeys.signing("short", setting))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(setting)
                .hasMessageContaining("at least 32 bytes");
        assertThatThrownBy(() -> SharedKeys.signing("", setting))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(setting);
        InternalTokens link = InternalTokens.forAudience(
                InternalTokens.BULK_WORKER, SharedKeys.signing(SECRET + "-link", setting), "api-gateway");
        assertThat(InternalTokens.forAudience(InternalTokens.BULK_WORKER, SECRET + "-link", "bulk-worker")
                        .isValid(link.mint()))
                .isTrue();
        assertThat(tokens.isValid(link.mint()))
                .as("verified with another secret")
                .isFalse();
    }

    @Test
    void refusesToStartWithoutASecretOfAtLeast32Bytes() {
        assertThatThrownBy(() -> InternalTokens.forAudience(InternalTokens.BULK_WORKER, "", "test"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(InternalTokens.SECRET_VARIABLE);
        assertThatThrownBy(() -> InternalTokens.forAudience(InternalTokens.BULK_WORKER, "short", "test"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("at least 32 bytes");
    }

    /**
     * While the shared secret is rotated, a service accepts the tokens of either secret (those of the
     * instances not rotated yet, and of those rotated already), and mints with its current one only.
     */
    @Test
    void whileTheSecretIsRotatedTokensOfTheAcceptedSecretAreAcceptedAndOnlyTheCurrentOneSigns() {
        String newSecret = "internal-secret-after-the-rotation-0123456789";
        InternalTokens rotated = at(NOW, newSecret, SECRET);

        assertThat(rotated.isValid(tokens.mint()))
                .as("a token of the accepted secret")
                .isTrue();
        assertThat(rotated.isValid(rotated.mint())).isTrue();
        assertThat(at(NOW, newSecret).isValid(rotated.mint()))
                .as("minted with the current secret")
                .isTrue();
        assertThat(tokens.isValid(rotated.mint()))
                .as("minted with the current secret, read with the accepted one alone")
                .isFalse();
        assertThat(rotated.isValid(at(NOW, SECRET + "-other").mint()))
                .as("a token of neither secret")
                .isFalse();
        assertThat(at(NOW.plus(InternalTokens.LIFETIME).plus(InternalTokens.CLOCK_SKEW), newSecret, SECRET)
                        .isValid(tokens.mint()))
                .as("an expired token of the accepted secret")
                .isFalse();
    }

    @Test
    void refusesToStartWithAnAcceptedSecretShorterThan32BytesOrTheSameAsTheSecret() {
        assertThatThrownBy(() -> worker(SECRET, "short"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(SharedKeys.ACCEPTED_VARIABLE)
                .hasMessageContaining("bulk.internal-auth.accepted-token-secret")
                .hasMessageContaining("at least 32 bytes");
        assertThatThrownBy(() -> worker(SECRET, SECRET))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(SharedKeys.ACCEPTED_VARIABLE)
                .hasMessageContaining("the same as " + InternalTokens.SECRET_VARIABLE);
        assertThat(worker(SECRET, "")
                        .isValid(InternalTokens.forAudience(InternalTokens.BULK_WORKER, SECRET, "test")
                                .mint()))
                .as("no accepted secret")
                .isTrue();
        assertThatThrownBy(() -> worker("", SECRET))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(InternalTokens.SECRET_VARIABLE);
    }

    @Test
    void filterAnswers401WithoutAValidTokenAndPassesAValidOne() throws Exception {
        InternalTokenFilter filter =
                new InternalTokenFilter(InternalTokens.forAudience(InternalTokens.BULK_WORKER, SECRET, "test"));

        MockHttpServletResponse none = run(filter, null);
        assertThat(none.getStatus()).isEqualTo(HttpServletResponse.SC_UNAUTHORIZED);
        assertThat(none.getContentType()).startsWith("application/problem+json");
        assertThat(none.getHeader("WWW-Authenticate")).startsWith("Bearer");
        assertThat(none.getContentAsString()).contains("\"status\":401", "internal token");

        assertThat(run(filter, "Bearer " + at(NOW, SECRET + "-other").mint()).getStatus())
                .isEqualTo(HttpServletResponse.SC_UNAUTHORIZED);

        MockHttpServletResponse valid = run(
                filter,
                "Bearer "
                        + InternalTokens.forAudience(InternalTokens.BULK_WORKER, SECRET, "test")
                                .mint());
        assertThat(valid.getStatus()).isEqualTo(HttpServletResponse.SC_OK);
    }

    private static MockHttpServletResponse run(InternalTokenFilter filter, String authorization) throws Exception {
        MockHttpServletRequest request = new MockHttpServletRequest("GET", "/internal/x");
        if (authorization != null) {
            request.addHeader("Authorization", authorization);
        }
        MockHttpServletResponse response = new MockHttpServletResponse();
        MockFilterChain chain = new MockFilterChain();
        filter.doFilter(request, response, chain);
        if (chain.getRequest() != null) {
            response.setStatus(HttpServletResponse.SC_OK);
        }
        return response;
    }

    private static InternalTokens at(Instant instant, String secret) {
        return at(instant, secret, "");
    }

    private static InternalTokens at(Instant instant, String secret, String acceptedSecret) {
        return at(instant, InternalTokens.BULK_WORKER, secret, acceptedSecret);
    }

    private static InternalTokens at(Instant instant, String audience, String secret, String acceptedSecret) {
        return InternalTokens.of(
                audience, SharedKeys.of(secret, acceptedSecret), "test", Clock.fixed(instant, ZoneOffset.UTC));
    }

    private static InternalTokens worker(String secret, String acceptedSecret) {
        return InternalTokens.forAudience(InternalTokens.BULK_WORKER, SharedKeys.of(secret, acceptedSecret), "test");
    }

    /** A token as any gateway may have signed it, with these audiences (none: no {@code aud}). */
    private static String signed(String secret, String... audiences) throws Exception {
        JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder()
                .issuer("api-gateway")
                .jwtID(UUID.randomUUID().toString())
                .issueTime(Date.from(NOW))
                .expirationTime(Date.from(NOW.plus(InternalTokens.LIFETIME)));
        if (audiences.length > 0) {
            claims.audience(List.of(audiences));
        }
        SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims.build());
        jwt.sign(new MACSigner(secret.getBytes(StandardCharsets.UTF_8)));
        return jwt.serialize();
    }
}
