package com.portfoliobulk.gateway.web;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.ToIntFunction;

/**
 * A bulkhead per key: each key (a caller, a portfolio) has as many permits as {@code permitsOf} gives
 * it, taken by what it runs at once and given back when that ends. The gateway's bounds of what one
 * caller or portfolio may hold at once are made of it: one caller's request bodies ({@link
 * RequestBodyBudget}), one portfolio's submissions, previews and cancellations ({@code
 * PortfolioConcurrency}).
 *
 * <p>A key's entry is added by the first request that holds or waits for permits of it and removed
 * with the last one, so the entries are never more than those requests: a key that holds nothing
 * takes no memory, however many keys have come and gone.
 *
 * @param <K> the key
 */
public final class PermitsPerKey<K> {

    private final ToIntFunction<K> permitsOf;

    /** The keys with permits held or waited for; an entry goes with its last request. */
    private final ConcurrentHashMap<K, Share> shares = new ConcurrentHashMap<>();

    /** @param permitsOf how many permits a key has in all */
    public PermitsPerKey(ToIntFunction<K> permitsOf) {
        this.permitsOf = permitsOf;
    }

    /**
     * Takes {@code permits} of the key, waiting up to {@code wait} for them (first come, first served).
     *
     * @return what gives them back ({@link Held#release}), or null when they did not come within {@code
     *     wait}, having taken nothing
     * @throws InterruptedException when the thread is interrupted while it waits, having taken nothing
     */
    public Held tryAcquire(K key, int permits, Duration wait) throws InterruptedException {
        Share share = join(key);
        boolean taken = false;
        try {
            taken = share.permits.tryAcquire(permits, wait.toNanos(), TimeUnit.NANOSECONDS);
        } finally {
            if (!taken) {
                leave(key);
            }
        }
        return taken ? new Held(key, share, permits) : null;
    }

    /** Whether the key has an entry: a request of it holds permits, or waits for some. */
    public boolean tracks(K key) {
        return shares.containsKey(key);
    }

    /** The share of the key, counting one more request of it that holds or waits for permits. */
    private Share join(K key) {
        return shares.compute(key, (k, share) -> {
            Share joined = share == null ? new Share(new Semaphore(permitsOf.applyAsInt(k), true)) : share;
            joined.requests++;
            return joined;
        });
    }

    /** One request of the key fewer; the last one removes the key's entry. */
    private void leave(K key) {
        shares.computeIfPresent(key, (k, share) -> --share.requests == 0 ? null : share);
    }

    /** Permits of one key taken by one request, until it gives them back. */
    public final class Held {

        private final K key;

        private final Share share;

        private final int permits;

        private final AtomicBoolean held = new AtomicBoolean(true);

        private Held(K key, Share share, int permits) {
            this.key = key;
            this.share = share;
            this.permits = permits;
        }

        /** Gives the permits back, once however often it is called. */
        public void release() {
            if (held.getAndSet(false)) {
                share.permits.release(permits);
                leave(key);
            }
        }
    }

    /**
     * The permits a key has left, and how many of its requests hold or wait for some ({@link #requests},
     * changed only within the map's {@code compute} of its key).
     */
    private static final class Share {

        private final Semaphore permits;

        private int requests;

        Share(Semaphore permits) {
            this.permits = permits;
        }
    }
}
