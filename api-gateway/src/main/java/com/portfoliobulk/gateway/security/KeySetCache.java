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
 *
 * <p>A set dropped so is only marked to be fetched again, not forgotten: when that fetch fails (the
 * provider's key-set endpoint is down), the set is kept as it was until its {@code ttl} ends, and tried
 * again for a token of an unknown key no sooner than {@link #UNKNOWN_KEY_REFETCH_INTERVAL} after the
 * failed fetch. Before, one token of a made-up key during such an outage had the set dropped, and every
 * token not remembered was answered 503 until the provider answered again, however long the {@code ttl}.
 *
 * <p>A fetch that fails while no set is kept is remembered for {@link #UNKNOWN_KEY_REFETCH_INTERVAL}
 * (the {@code Retry-After} of the 503 it is answered with): the decoder fetches holding its lock, so
 * every token that needs the set waits behind a fetch under way, and each then had its own fetch, one
 * after another, each waiting as long as the endpoint took to fail (the read timeout, when it takes the
 * request and never answers). Now those waiting get the failure just met at once, and the set is fetched
 * again by the first token after that time. Only failures are remembered: a first fetch under way that
 * succeeds serves the tokens waiting for it as before.
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

    /** The last failed fetch of each key, until when it is given to callers instead of fetching again. */
    private final Map<Object, Failure> failures = new ConcurrentHashMap<>();

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

    /** The set kept for {@code key}, also one marked to be fetched again; null when none or past its time. */
    private Entry kept(Object key) {
        Entry entry = entries.get(key);
        if (entry == null) {
            return null;
        }
        if (!clock.instant().isBefore(entry.until())) {
            entries.remove(key, entry);
            return null;
        }
        return entry;
    }

    @Override
    protected Object lookup(Object key) {
        Entry entry = kept(key);
        return entry == null || entry.refetch() ? null : entry.value();
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> T get(Object key, Callable<T> valueLoader) {
        Entry kept = kept(key);
        if (kept != null && !kept.refetch()) {
            return (T) fromStoreValue(kept.value());
        }
        // Counted from before the fetch: the set fetched is the identity provider's as of then or later.
        Instant fetching = clock.instant();
        Failure failed = failures.get(key);
        Exception failure = null;
        T value = null;
        if (failed != null && fetching.isBefore(failed.until())) {
            failure = failed.cause();
        } else {
            if (failed != null) {
                failures.remove(key, failed);
            }
            try {
                value = valueLoader.call();
            } catch (Exception ex) {
                // Counted from when the fetch failed, which may have taken the whole read timeout.
                failures.put(key, new Failure(ex, clock.instant().plus(UNKNOWN_KEY_REFETCH_INTERVAL)));
                failure = ex;
            }
        }
        if (failure != null) {
            if (kept != null) {
                // The set marked to be fetched again stays until its time; a token of an unknown key has it
                // fetched again no sooner than UNKNOWN_KEY_REFETCH_INTERVAL after this try.
                entries.replace(key, kept, new Entry(kept.value(), fetching, kept.until(), false));
            }
            throw new ValueRetrievalException(key, valueLoader, failure);
        }
        failures.remove(key);
        entries.put(key, new Entry(toStoreValue(value), fetching, fetching.plus(ttl), false));
        return value;
    }

    @Override
    public void put(Object key, Object value) {
        Instant now = clock.instant();
        entries.put(key, new Entry(toStoreValue(value), now, now.plus(ttl), false));
    }

    /**
     * Asked by the decoder for a token of a key the kept set lacks: marks a set last fetched (or tried)
     * at least {@link #UNKNOWN_KEY_REFETCH_INTERVAL} ago to be fetched again, which the decoder then
     * does; the set stays should that fetch fail.
     */
    @Override
    public boolean invalidate() {
        Instant refetchable = clock.instant().minus(UNKNOWN_KEY_REFETCH_INTERVAL);
        boolean marked = false;
        for (Map.Entry<Object, Entry> kept : entries.entrySet()) {
            Entry entry = kept.getValue();
            if (!entry.refetch()
                    && !entry.fetched().isAfter(refetchable)
                    && entries.replace(kept.getKey(), entry, entry.markedForRefetch())) {
                marked = true;
            }
        }
        return marked;
    }

    @Override
    public void evict(Object key) {
        entries.remove(key);
        failures.remove(key);
    }

    @Override
    public void clear() {
        entries.clear();
        failures.clear();
    }

    /** A fetch that failed, and until when its failure is given to callers instead of fetching again. */
    private record Failure(Exception cause, Instant until) {}

    /**
     * A key set, when it was last fetched or tried to be ({@code fetched}), until when it is kept, and
     * whether it is to be fetched again before it is used.
     */
    private record Entry(Object value, Instant fetched, Instant until, boolean refetch) {

        Entry markedForRefetch() {
            return new Entry(value, fetched, until, true);
        }
    }
}
