package com.portfoliobulk.gateway.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.springframework.security.oauth2.jwt.BadJwtException;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtDecoder;

/** The cache of validated tokens answers only what the wrapped decoder would accept at that moment. */
class ValidatedTokenCacheTests {

    private static final Duration SKEW = Duration.ofSeconds(60);

    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-30T10:00:00Z"));

    /** Accepts the tokens in {@link #valid} until their expiry plus the skew, as the real validators do. */
    private final FakeDecoder decoder = new FakeDecoder();

    /** When the key set is fetched again; null as in the HS256 setup, which has none. */
    private Instant keySetExpiry;

    @Test
    void aValidTokenIsValidatedOnceAndThenAnsweredFromMemory() {
        ValidatedTokenCache cache = cache(Duration.ofSeconds(60));
        decoder.valid("token-a", clock.instant().plus(Duration.ofHours(1)));

        Jwt first = cache.decode("token-a");
        Jwt second = cache.decode("token-a");

        assertThat(second).isSameAs(first);
        assertThat(decoder.calls).containsExactly("token-a");
    }

    @Test
    void aTokenThatFailsIsNeverKept() {
        ValidatedTokenCache cache = cache(Duration.ofSeconds(60));

        assertThatThrownBy(() -> cache.decode("forged")).isInstanceOf(BadJwtException.class);
        assertThatThrownBy(() -> cache.decode("forged")).isInstanceOf(BadJwtException.class);

        assertThat(decoder.calls).containsExactly("forged", "forged");
        assertThat(cache.size()).isZero();
    }

    @Test
    void anExpiredTokenIsRefusedAtTheSameMomentAsWithoutTheCache() {
        ValidatedTokenCache cache = cache(Duration.ofMinutes(10));
        Instant exp = clock.instant().plus(Duration.ofSeconds(30));
        decoder.valid("short-lived", exp);
        cache.decode("short-lived");

        clock.set(exp.plus(SKEW).minusMillis(1));
        assertThat(cache.decode("short-lived").getExpiresAt()).isEqualTo(exp);

        clock.set(exp.plus(SKEW).plusMillis(1));
        assertThatThrownBy(() -> cache.decode("short-lived"))
                .isInstanceOf(BadJwtException.class)
                .hasMessageContaining("expired");
    }

    @Test
    void aKeptTokenIsValidatedAgainAfterTheTimeToLive() {
        ValidatedTokenCache cache = cache(Duration.ofSeconds(60));
        decoder.valid("token-a", clock.instant().plus(Duration.ofHours(1)));
        cache.decode("token-a");

        clock.set(clock.instant().plusSeconds(59));
        cache.decode("token-a");
        assertThat(decoder.calls).hasSize(1);

        // E.g. its signing key was withdrawn meanwhile: the wrapped decoder refuses it now.
        decoder.revoke("token-a");
        clock.set(clock.instant().plusSeconds(2));
        assertThatThrownBy(() -> cache.decode("token-a")).isInstanceOf(BadJwtException.class);
        assertThat(decoder.calls).hasSize(2);
    }

    @Test
    void aKeptTokenIsValidatedAgainWhenTheKeySetItWasValidatedAgainstIsFetchedAgain() {
        ValidatedTokenCache cache = cache(Duration.ofSeconds(60));
        // The key set was fetched 50 s ago: it is fetched again in 10 s, before the token's 60 s end.
        keySetExpiry = clock.instant().plusSeconds(10);
        decoder.valid("token-a", clock.instant().plus(Duration.ofHours(1)));
        cache.decode("token-a");

        clock.set(clock.instant().plusSeconds(9));
        cache.decode("token-a");
        assertThat(decoder.calls).hasSize(1);

        // Its signing key was withdrawn: the set fetched again no longer has it.
        decoder.revoke("token-a");
        clock.set(clock.instant().plusSeconds(2));
        assertThatThrownBy(() -> cache.decode("token-a")).isInstanceOf(BadJwtException.class);
        assertThat(decoder.calls).hasSize(2);
    }

    @Test
    void anotherTextIsAnotherTokenEvenWithTheSameClaims() {
        ValidatedTokenCache cache = cache(Duration.ofSeconds(60));
        decoder.valid("header.claims.signature", clock.instant().plus(Duration.ofHours(1)));
        cache.decode("header.claims.signature");

        assertThatThrownBy(() -> cache.decode("header.claims.forged")).isInstanceOf(BadJwtException.class);
    }

    @Test
    void aTimeToLiveOfZeroValidatesEveryTime() {
        ValidatedTokenCache cache = cache(Duration.ZERO);
        decoder.valid("token-a", clock.instant().plus(Duration.ofHours(1)));

        cache.decode("token-a");
        cache.decode("token-a");

        assertThat(decoder.calls).hasSize(2);
        assertThat(cache.size()).isZero();
    }

    @Test
    void itKeepsABoundedNumberOfTokens() {
        ValidatedTokenCache cache = cache(Duration.ofSeconds(60));
        for (int i = 0; i < ValidatedTokenCache.MAX_ENTRIES + 10; i++) {
            decoder.valid("token-" + i, clock.instant().plus(Duration.ofHours(1)));
            cache.decode("token-" + i);
        }

        assertThat(cache.size()).isLessThanOrEqualTo(ValidatedTokenCache.MAX_ENTRIES);
    }

    private ValidatedTokenCache cache(Duration ttl) {
        return new ValidatedTokenCache(decoder, ttl, SKEW, clock, () -> keySetExpiry);
    }

    private final class FakeDecoder implements JwtDecoder {

        private final Map<String, Instant> expiries = new HashMap<>();

        private final Set<String> revoked = new HashSet<>();

        final List<String> calls = new ArrayList<>();

        void valid(String token, Instant exp) {
            expiries.put(token, exp);
        }

        void revoke(String token) {
            revoked.add(token);
        }

        @Override
        public Jwt decode(String token) {
            calls.add(token);
            Instant exp = expiries.get(token);
            if (exp == null || revoked.contains(token)) {
                throw new BadJwtException("An error occurred while attempting to decode the Jwt: bad signature");
            }
            if (clock.instant().minus(SKEW).isAfter(exp)) {
                throw new BadJwtException("Jwt expired at " + exp);
            }
            return Jwt.withTokenValue(token)
                    .header("alg", "HS256")
                    .subject("someone")
                    .issuedAt(exp.minus(Duration.ofHours(2)))
                    .expiresAt(exp)
                    .build();
        }
    }

    private static final class MutableClock extends Clock {

        private Instant now;

        MutableClock(Instant now) {
            this.now = now;
        }

        void set(Instant instant) {
            now = instant;
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }
}
