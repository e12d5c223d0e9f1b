package com.portfoliobulk.gateway.relay;

import com.portfoliobulk.servicesupport.metrics.GaugeMeasurement;
import java.time.Duration;

/**
 * The number of tasks waiting to be published, counted at most once per refresh interval however
 * often metrics are scraped, and never holding a scrape: while the database is slow or cannot be
 * reached it keeps the last count ({@link GaugeMeasurement}).
 */
class RelayBacklog {

    private final GaugeMeasurement<Long> count;

    RelayBacklog(Outbox outbox, Duration refreshInterval) {
        this.count = new GaugeMeasurement<>("the relay backlog", outbox::backlog, refreshInterval);
    }

    double value() {
        Long counted = count.latest();
        return counted == null ? Double.NaN : counted;
    }
}
