package com.portfoliobulk.internalauth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import jakarta.servlet.http.HttpServletResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
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

    @Test
    void refusesToStartWithoutASecretOfAtLeast32Bytes() {
        assertThatThrownBy(() -> InternalTokens.of("", "test"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(InternalTokens.SECRET_VARIABLE);
        assertThatThrownBy(() -> InternalTokens.of("short", "test"))
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
        assertThatThrownBy(() -> InternalTokens.of(SECRET, "short", "test"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(SharedKeys.ACCEPTED_VARIABLE)
                .hasMessageContaining("bulk.internal-auth.accepted-token-secret")
                .hasMessageContaining("at least 32 bytes");
        assertThatThrownBy(() -> InternalTokens.of(SECRET, SECRET, "test"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(SharedKeys.ACCEPTED_VARIABLE)
                .hasMessageContaining("the same as " + InternalTokens.SECRET_VARIABLE);
        assertThat(InternalTokens.of(SECRET, "", "test")
                        .isValid(InternalTokens.of(SECRET, "test").mint()))
                .as("no accepted secret")
                .isTrue();
        assertThatThrownBy(() -> InternalTokens.of("", SECRET, "test"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(InternalTokens.SECRET_VARIABLE);
    }

    @Test
    void filterAnswers401WithoutAValidTokenAndPassesAValidOne() throws Exception {
        InternalTokenFilter filter = new InternalTokenFilter(InternalTokens.of(SECRET, "test"));

        MockHttpServletResponse none = run(filter, null);
        assertThat(none.getStatus()).isEqualTo(HttpServletResponse.SC_UNAUTHORIZED);
        assertThat(none.getContentType()).startsWith("application/problem+json");
        assertThat(none.getHeader("WWW-Authenticate")).startsWith("Bearer");
        assertThat(none.getContentAsString()).contains("\"status\":401", "internal token");

        assertThat(run(filter, "Bearer " + at(NOW, SECRET + "-other").mint()).getStatus())
                .isEqualTo(HttpServletResponse.SC_UNAUTHORIZED);

        MockHttpServletResponse valid =
                run(filter, "Bearer " + InternalTokens.of(SECRET, "test").mint());
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
        return InternalTokens.of(SharedKeys.of(secret, acceptedSecret), "test", Clock.fixed(instant, ZoneOffset.UTC));
    }
}
