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
 *
 * <p>A token naming a key the set lacks makes the decoder drop the set and fetch it again ({@link
 * #invalidate}), so that a key the provider has just started signing with works at once. Anyone can send
 * such a token, one after another, and the decoder fetches the set for each while holding its lock,
 * every other token of the gateway waiting behind it and the provider answering each: a set fetched in
 * the last {@link #UNKNOWN_KEY_REFETCH_INTERVAL} is therefore kept, and such a token refused at once.
 */
final class KeySetCache extends AbstractValueAdaptingCache {

    /**
     * How long a fetched key set is kept however many tokens of unknown keys come: a key the provider
     * starts signing with before publishing it to a set fetched this recently works this much later.
     */
    static final Duration UNKNOWN_KEY_REFETCH_INTERVAL = Duration.ofSeconds(5);

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
        entries.put(key, new Entry(toStoreValue(value), fetching, fetching.plus(ttl)));
        return value;
    }

    @Override
    public void put(Object key, Object value) {
        Instant now = clock.instant();
        entries.put(key, new Entry(toStoreValue(value), now, now.plus(ttl)));
    }

    /**
     * Asked by the decoder for a token of a key the kept set lacks: drops only a set fetched at least
     * {@link #UNKNOWN_KEY_REFETCH_INTERVAL} ago, which is then fetched again.
     */
    @Override
    public boolean invalidate() {
        Instant refetchable = clock.instant().minus(UNKNOWN_KEY_REFETCH_INTERVAL);
        return entries.values().removeIf(entry -> !entry.fetched().isAfter(refetchable));
    }

    @Override
    public void evict(Object key) {
        entries.remove(key);
    }

    @Override
    public void clear() {
        entries.clear();
    }

    private record Entry(Object value, Instant fetched, Instant until) {}
}
