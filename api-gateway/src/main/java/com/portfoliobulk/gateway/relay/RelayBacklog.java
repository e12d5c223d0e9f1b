package com.portfoliobulk.gateway.relay;

import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The number of tasks waiting to be published, counted at most once per refresh interval however
 * often metrics are scraped. While the database cannot be reached it keeps the last count.
 */
class RelayBacklog {

    private static final Logger log = LoggerFactory.getLogger(RelayBacklog.class);

    private final Outbox outbox;

    private final long refreshNanos;

    private long countedAt;

    private double value = Double.NaN;

    RelayBacklog(Outbox outbox, Duration refreshInterval) {
        this.outbox = outbox;
        this.refreshNanos = refreshInterval.toNanos();
    }

    synchronized double value() {
        long now = System.nanoTime();
        if (Double.isNaN(value) || now - countedAt >= refreshNanos) {
            try {
                value = outbox.backlog();
                countedAt = now;
            } catch (RuntimeException ex) {
                log.debug("Could not count the relay backlog: {}", ex.toString());
            }
        }
        return value;
    }
}
