package com.portfoliobulk.gateway.webhooks;

import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/**
 * How many messages this instance is sending to each subscription. Adding, removing and copying are
 * each one step under one lock (a few dozen messages are in flight at most), so a message added while
 * another one to the same subscription ends is always counted, and a copy never misses it.
 */
final class InFlightCounts {

    private final Map<UUID, Integer> counts = new HashMap<>();

    synchronized void add(UUID subscriptionId) {
        counts.merge(subscriptionId, 1, Integer::sum);
    }

    synchronized void remove(UUID subscriptionId) {
        counts.computeIfPresent(subscriptionId, (id, count) -> count == 1 ? null : count - 1);
    }

    /** The subscriptions with messages in flight and how many each has. */
    synchronized Map<UUID, Integer> snapshot() {
        return Map.copyOf(counts);
    }
}
