package com.portfoliobulk.gateway.security;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtException;

/**
 * A {@link JwtDecoder} that remembers the tokens it has validated, so that a client polling with the
 * same bearer token pays the signature check and JSON parsing once, not on every request (about a
 * quarter of the CPU of a status poll).
 *
 * <p>Exactly as strict as the decoder it wraps: only a token that passed every check is kept, keyed
 * by its exact text (so the same signature), and it is answered from memory only while the wrapped
 * decoder would still accept it, i.e. until its {@code exp} plus the allowed clock skew, and for at
 * most {@code ttl} after it was validated. It is also kept no longer than the identity provider's key
 * set it was validated against ({@code keySetExpiry}, see {@link KeySetCache}, which keeps the set for
 * {@code ttl} too): a signing key the identity provider withdrew then stops being accepted within
 * {@code ttl}, not {@code ttl} after the last validation against a set fetched up to {@code ttl}
 * before. A token that fails is never kept and fails again each time. At most {@value #MAX_ENTRIES} tokens are kept;
 * beyond that the cache starts over, so memory stays bounded.
 */
final class ValidatedTokenCache implements JwtDecoder {

    static final int MAX_ENTRIES = 4096;

    private final JwtDecoder decoder;

    private final Duration ttl;

    private final Duration clockSkew;

    private final Clock clock;

    /** When the key set the wrapped decoder validates against is fetched again; null when unknown. */
    private final Supplier<Instant> keySetExpiry;

    private final Map<String, Entry> entries = new ConcurrentHashMap<>();

    ValidatedTokenCache(
            JwtDecoder decoder, Duration ttl, Duration clockSkew, Clock clock, Supplier<Instant> keySetExpiry) {
        this.decoder = decoder;
        this.ttl = ttl;
        this.clockSkew = clockSkew;
        this.clock = clock;
        this.keySetExpiry = keySetExpiry;
    }

    @Override
    public Jwt decode(String token) throws JwtException {
        if (ttl.isZero() || ttl.isNegative()) {
            return decoder.decode(token);
        }
        Instant now = clock.instant();
        Entry cached = entries.get(token);
        if (cached != null) {
            if (now.isBefore(cached.until())) {
                return cached.jwt();
            }
            entries.remove(token, cached);
        }
        // Read before validating: a key set fetched during the validation expires later, never earlier.
        Instant keysUntil = keySetExpiry.get();
        Jwt jwt = decoder.decode(token);
        Instant until = now.plus(ttl);
        if (keysUntil != null && keysUntil.isBefore(until)) {
            until = keysUntil;
        }
        // Every accepted token has an expiry (the validators require it); the wrapped decoder accepts
        // it until exp plus the clock skew, and so does the cache, never longer.
        if (jwt.getExpiresAt() != null) {
            Instant expiry = jwt.getExpiresAt().plus(clockSkew);
            if (expiry.isBefore(until)) {
                until = expiry;
            }
            if (now.isBefore(until)) {
                if (entries.size() >= MAX_ENTRIES) {
                    entries.clear();
                }
                entries.put(token, new Entry(jwt, until));
            }
        }
        return jwt;
    }

    /** How many validated tokens are kept now. */
    int size() {
        return entries.size();
    }

    private record Entry(Jwt jwt, Instant until) {}
}
