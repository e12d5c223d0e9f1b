package com.portfoliobulk.gateway.security;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.cache.support.AbstractValueAdaptingCache;

/**
 * Where the RS256 decoder keeps the identity provider's key set between fetches: for at most {@code
 * ttl}, then it is fetched again, so that a signing key withdrawn from the set stops being accepted
 * within that time. Without it the decoder keeps the set for five minutes, fetching it earlier only for
 * a token of a key it does not know. {@link ValidatedTokenCache} keeps a token it validated no longer
 * than the key set it was validated against ({@link #expiry}).
 */
final class KeySetCache extends AbstractValueAdaptingCache {

    private final Duration ttl;

    private final Clock clock;

    private final Map<Object, Entry> entries = new ConcurrentHashMap<>();

    KeySetCache(Duration ttl, Clock clock) {
        super(false);
        this.ttl = ttl;
        this.clock = clock;
    }

    /** When the key set kept now is to be fetched again; null when none is kept. */
    Instant expiry() {
        Instant now = clock.instant();
        Instant earliest = null;
        for (Entry entry : entries.values()) {
            if (now.isBefore(entry.until())
                    && (earliest == null || entry.until().isBefore(earliest))) {
                earliest = entry.until();
            }
        }
        return earliest;
    }

    @Override
    public String getName() {
        return "identity-provider-key-set";
    }

    @Override
    public Object getNativeCache() {
        return entries;
    }

    @Override
    protected Object lookup(Object key) {
        Entry entry = entries.get(key);
        if (entry == null) {
            return null;
        }
        if (!clock.instant().isBefore(entry.until())) {
            entries.remove(key, entry);
            return null;
        }
        return entry.value();
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> T get(Object key, Callable<T> valueLoader) {
        Object kept = lookup(key);
        if (kept != null) {
            return (T) fromStoreValue(kept);
        }
        // Counted from before the fetch: the set fetched is the identity provider's as of then or later.
        Instant fetching = clock.instant();
        T value;
        try {
            value = valueLoader.call();
        } catch (Exception ex) {
            throw new ValueRetrievalException(key, valueLoader, ex);
        }
        entries.put(key, new Entry(toStoreValue(value), fetching.plus(ttl)));
        return value;
    }

    @Override
    public void put(Object key, Object value) {
        entries.put(key, new Entry(toStoreValue(value), clock.instant().plus(ttl)));
    }

    @Override
    public void evict(Object key) {
        entries.remove(key);
    }

    @Override
    public void clear() {
        entries.clear();
    }

    private record Entry(Object value, Instant until) {}
}
